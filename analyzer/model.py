"""The values prodready hands to the outside world.

Everything a caller, the CLI or the language server receives is one of these pydantic models,
so the JSON contract of DESIGN.md is defined once, here. Lines and columns are 1-based and
columns count Unicode code points; the language server converts to its client's units.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FixSafety(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class Span(_Value):
    """A range in one file: 1-based lines and columns, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


class TextEdit(_Value):
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    new_text: str


class Fix(_Value):
    title: str
    safety: FixSafety
    edits: tuple[TextEdit, ...]


class Finding(_Value):
    rule: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    fixes: tuple[Fix, ...] = ()
    docs: str = ""

    @property
    def span(self) -> Span:
        return Span(line=self.line, column=self.column, end_line=self.end_line, end_column=self.end_column)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


class RuleInfo(_Value):
    """Everything a user needs to know about a rule, shown by `prodready rule CODE` and on hover."""

    code: str
    name: str
    summary: str
    why: str
    bad_example: str
    good_example: str
    fix: str = ""
    references: tuple[str, ...] = ()
    severity: Severity
    languages: tuple[str, ...]
    fixable: bool
    docs_url: str
    documentation: str = Field(description="the whole Markdown page")


class Skipped(_Value):
    path: str
    reason: str


class Summary(BaseModel):
    files: int = 0
    findings: int = 0
    skipped: list[Skipped] = Field(default_factory=list)
    seconds: float = 0.0
    unparsed_sql: int = Field(default=0, description="SQL strings sqlglot could not parse; judged by no rule")


class Report(BaseModel):
    version: int = 1
    findings: list[Finding] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)
    # The text of every analysed file by relative path: code frames and baselines need it,
    # and reporters must not read files that may have changed since the scan.
    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def sources(self) -> dict[str, str]:
        return self._sources

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")
