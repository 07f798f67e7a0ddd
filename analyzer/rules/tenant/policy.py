"""Where tenant rules apply and how loudly: request paths are errors, commands and admin are
warnings, tests and migrations are exempt. All of it comes from `[tool.prodready.tenant]`."""

from __future__ import annotations

from ...config import Config
from ...model import Severity
from ...workspace import path_spec as _spec


def tenant_severity(relpath: str, config: Config, default: Severity) -> Severity | None:
    """The severity of a tenant finding in `relpath`, or None where tenant rules do not apply."""
    if _spec(config.tenant.exempt_paths).match_file(relpath):
        return None
    if _spec(config.tenant.warning_paths).match_file(relpath):
        return Severity.WARNING
    return default
