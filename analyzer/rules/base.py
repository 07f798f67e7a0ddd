"""What a rule is: metadata as class attributes, documentation as its docstring, one check.

A rule receives a parsed file and the project index through `RuleContext` and yields findings.
It never opens files, imports the analysed code or prints, so the same rule serves a file on
disk and an unsaved editor buffer.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from ..model import Finding, Fix, RuleInfo, Severity, Span

if TYPE_CHECKING:
    from astroid import nodes

    from ..config import Config
    from ..index import ProjectIndex
    from ..lang.javascript import ScriptFile
    from ..lang.mentions import Mentions
    from ..lang.python import Positions
    from ..lang.sql import Statement

DOCS_BASE = "https://github.com/prodready/prodready/blob/main/docs/rules/"


@dataclass
class RuleContext:
    """One file as the rules see it."""

    relpath: str
    text: str
    language: str
    config: Config
    index: ProjectIndex
    module: nodes.Module | None = None
    statements: list[Statement] = field(default_factory=list)
    script: ScriptFile | None = None
    positions: Positions | None = None
    unparsed_sql: int = 0
    rule_errors: list[str] = field(default_factory=list)  # a rule that broke on this file, and how
    memo: dict[str, object] = field(default_factory=dict)  # facts of this file that several checks need

    def unparsed(self, statement: Statement, line: int) -> None:
        """Count a statement sqlglot could not parse; one nested too deeply is worth saying where."""
        self.unparsed_sql += 1
        if statement.too_deep:
            self.rule_errors.append(f"line {line}: SQL nested too deeply for sqlglot to parse; that statement is "
                                    "judged by no rule")

    def statement_span(self, statement: Statement) -> Span:
        """Where a statement of a .sql file lies in that file."""
        assert self.positions is not None
        line, column = self.positions.position(statement.start)
        end_line, end_column = self.positions.position(statement.start + len(statement.text))
        return Span(line=line, column=column, end_line=end_line, end_column=end_column)

    def finding(self, rule: Rule, span: Span, message: str, fixes: Iterable[Fix] = (),
                severity: Severity | None = None) -> Finding:
        return Finding(
            rule=rule.code,
            severity=severity or rule.severity,
            message=message,
            path=self.relpath,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            fixes=tuple(fixes),
            docs=rule.docs_url(),
        )


class Rule:
    """Base class. The subclass docstring is the rule's documentation page, in Markdown:
    a one-line summary, then `## Why is this bad?`, `## Example`, `## Use instead` and,
    for rules with a fix, `## Fix`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    languages: ClassVar[tuple[str, ...]] = ("python",)
    references: ClassVar[tuple[str, ...]] = ()
    fixable: ClassVar[bool] = False
    # Python node classes handed to `check`; the engine walks each tree once for all rules.
    node_types: ClassVar[tuple[type, ...]] = ()
    # Whether the rule's findings on a top-level statement depend only on what
    # `analyzer.incremental` compares: the statement's text, the module-level names it uses,
    # the uses elsewhere of the names it defines, the module's imports, the index and the
    # configuration. Such a rule is not run again on the statements an edit left alone.
    local_to_statement: ClassVar[bool] = False
    # Text a script must contain for `check_script` to find anything in it; None: any script.
    # A script that no enabled rule can find anything in is never parsed (most of a front end's
    # files never touch storage or cookies, and tree-sitter's parse and walk are the cost).
    script_mentions: ClassVar[re.Pattern[str] | Mentions | None] = None

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        """Whether the rule can report anything in a file at this path, asked before the file
        is parsed: a test module that no enabled rule applies to is read but never parsed."""
        return True

    def applies_to(self, ctx: RuleContext) -> bool:
        """The same, once the index is built: a rule may also need facts of the project."""
        return self.applies_to_path(ctx.relpath, ctx.language, ctx.config)

    def check(self, node: nodes.NodeNG, ctx: RuleContext) -> Iterator[Finding]:
        return iter(())

    def check_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        return iter(())

    def check_sql_file(self, ctx: RuleContext) -> Iterator[Finding]:
        """A SQL file as a whole (its name, its sections), once, after its statements."""
        return iter(())

    def check_script(self, script: ScriptFile, ctx: RuleContext) -> Iterator[Finding]:
        """The scripts of a JS/TS file, or those embedded in a page, template or component."""
        return iter(())

    @classmethod
    def docs_url(cls) -> str:
        return f"{DOCS_BASE}{cls.code}.md"

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def sections(cls) -> dict[str, str]:
        """`## Heading` -> body, plus "" -> the summary paragraph."""
        text = cls.documentation()
        parts = re.split(r"^## +(.+)$", text, flags=re.M)
        result = {"": parts[0].strip()}
        for heading, body in zip(parts[1::2], parts[2::2], strict=False):
            result[heading.strip()] = body.strip()
        return result

    @classmethod
    def info(cls) -> RuleInfo:
        sections = cls.sections()
        return RuleInfo(
            code=cls.code,
            name=cls.name,
            summary=sections[""].splitlines()[0] if sections[""] else "",
            why=sections.get("Why is this bad?", ""),
            bad_example=code_block(sections.get("Example", "")),
            good_example=code_block(sections.get("Use instead", "")),
            fix=sections.get("Fix", ""),
            references=cls.references,
            severity=cls.severity,
            languages=cls.languages,
            fixable=cls.fixable,
            docs_url=cls.docs_url(),
            documentation=cls.page(),
        )

    @classmethod
    def page(cls) -> str:
        refs = "\n".join(f"- {ref}" for ref in cls.references)
        head = f"# {cls.code} {cls.name}\n\n"
        meta = (f"Severity: {cls.severity.value} · Languages: {', '.join(cls.languages)} · "
                f"Fix: {'available' if cls.fixable else 'none'}\n\n")
        body = cls.documentation()
        return head + meta + body + (f"\n\n## References\n{refs}\n" if refs else "\n")


def code_block(section: str) -> str:
    match = re.search(r"```[\w-]*\n(.*?)```", section, flags=re.S)
    return match.group(1) if match else ""


def example_path(section: str) -> str:
    """Where a documentation example pretends to live, from its fence's language."""
    match = re.search(r"```([\w-]*)", section)
    language = match.group(1) if match else "python"
    return {"sql": "queries/report.sql", "python": "app/views.py", "javascript": "src/api/client.js",
            "js": "src/api/client.js", "typescript": "src/api/client.ts", "ts": "src/api/client.ts",
            "tsx": "src/auth/AuthProvider.tsx", "html": "templates/login.html", "jinja": "templates/login.html",
            "vue": "src/components/Login.vue"}.get(language, "app/views.py")
