"""prodready: finds the production gaps in a SaaS codebase.

    >>> import analyzer
    >>> report = analyzer.analyze(["src/"])
    >>> for finding in report.findings:
    ...     print(finding.path, finding.line, finding.rule, finding.message)
"""

from __future__ import annotations

from .config import Config, ConfigError, load_config
from .engine import analyze, analyze_source
from .model import Finding, Fix, FixSafety, Report, RuleInfo, Severity, Span, TextEdit

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


def rules() -> list[RuleInfo]:
    """Metadata and documentation of every rule, in code order."""
    from .rules import ALL_RULES

    return [rule.info() for rule in sorted(ALL_RULES, key=lambda r: r.code)]
