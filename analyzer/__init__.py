"""prodready: finds the production gaps in a SaaS codebase.

    >>> import analyzer
    >>> report = analyzer.analyze(["src/"])
    >>> for finding in report.findings:
    ...     print(finding.path, finding.line, finding.rule, finding.message)
"""

from __future__ import annotations

import sys
import types

from .config import Config, ConfigError, load_config
from .model import Finding, Fix, FixSafety, Report, RuleInfo, Severity, Span, TextEdit
from .scan import analyze

__version__ = "0.1.0"

__all__ = [
    "Config",
    "ConfigError",
    "Finding",
    "Fix",
    "FixSafety",
    "Report",
    "RuleInfo",
    "Severity",
    "Span",
    "TextEdit",
    "__version__",
    "analyze",
    "analyze_source",
    "load_config",
    "rules",
]


class _Package(types.ModuleType):
    """This package, whose `rules()` keeps its name when the `analyzer.rules` subpackage is first
    imported (by the first scan, now that importing `analyzer` imports no rule), as it did when
    that subpackage was imported before `rules()` was defined. `from analyzer.rules import ...`
    finds the subpackage as ever."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "rules" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> object:
    # `analyze_source` brings the parsers and the rules: imported when first asked for, so that
    # a run answered from the cache imports none of them.
    if name == "analyze_source":
        from .engine import analyze_source

        return analyze_source
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")


def rules() -> list[RuleInfo]:
    """Metadata and documentation of every rule, in code order."""
    from .rules import ALL_RULES

    return [rule.info() for rule in sorted(ALL_RULES, key=lambda r: r.code)]
