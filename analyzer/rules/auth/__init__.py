"""AUTH: credentials kept where scripts can read them, unprotected cookies, CSRF and login."""

from __future__ import annotations

from ...config import Config
from ...workspace import is_test_file
from ..base import Rule

CWE_922 = "CWE-922: Insecure Storage of Sensitive Information — https://cwe.mitre.org/data/definitions/922.html"
OWASP_SESSION = ("OWASP HTML5 Security Cheat Sheet: Local Storage — "
                 "https://cheatsheetseries.owasp.org/cheatsheets/HTML5_Security_Cheat_Sheet.html#local-storage")
CWE_1004 = ("CWE-1004: Sensitive Cookie Without 'HttpOnly' Flag — "
            "https://cwe.mitre.org/data/definitions/1004.html")
CWE_614 = ("CWE-614: Sensitive Cookie in HTTPS Session Without 'Secure' Attribute — "
           "https://cwe.mitre.org/data/definitions/614.html")
SCRIPT_LANGUAGES = ("javascript", "typescript", "html", "vue", "svelte")


class AuthRule(Rule):
    """Test code logs in with fixture tokens and inspects what it issued: AUTH rules skip it."""

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return not is_test_file(relpath)
