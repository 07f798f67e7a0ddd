"""Findings of the top-level statements an edit did not touch, kept for the next run on the file.

A keystroke changes one function of a long module. Running the query rules over the hundred
other functions again took two fifths of the language server's time per edit on a 2,000-line
views module. The rules that declare `Rule.local_to_statement` judge a function or a class at
the top of a module from:

- its own text;
- the module-level names it uses, through inference;
- the uses and calls elsewhere in the module of the names it defines (a helper that returns a
  query is judged by its callers);
- the module's imports (which framework a view is written in);
- the index and the configuration.

So when the index and configuration are the same objects as last time, an unchanged function
or class keeps its findings, moved by as many lines as it moved. Three cases run the rules on
it again:

- the edited statements bind a name its text mentions;
- the edited statements mention a name it defines;
- the edited statements import anything, or declare a global.

Names are compared as words of the text, so a mention in a comment or a string costs a rerun,
never a wrong result. Module-level statements and decorators, whose names are looked up in the
module's own scope, are analysed at every run, as is a statement whose findings point outside
its own lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from astroid import nodes

from .config import Config
from .index import ProjectIndex
from .lang.python import nodes_within
from .model import Finding

_WORD = re.compile(r"\w+")
_DEFINITION = re.compile(r"\b(?:def|class)\s+(\w+)")
# Words of an edit after which no statement's findings are kept: an import changes what the
# module is written with; a global or nonlocal binds names where no assignment shows it.
_MODULE_WIDE = frozenset({"import", "global", "nonlocal"})


@dataclass(frozen=True)
class StatementFacts:
    """What the comparison needs of one top-level statement."""

    text: str
    keepable: bool  # a function or a class: what its body says is looked up in its own scope first
    first: int  # its first line, decorators included
    last: int
    words: frozenset[str]
    binds: frozenset[str]  # module-level names it binds, and every function and class it defines
    defines: frozenset[str]  # the same without the names it imports


@dataclass
class Plan:
    """For one run: the statements whose local rules run, and the findings kept for the others."""

    statements: list[StatementFacts]
    rerun: set[int]
    kept: dict[int, list[Finding]] = field(default_factory=dict)

    def walk(self, module: nodes.Module, kinds: tuple[type, ...]) -> Iterator[tuple[nodes.NodeNG, int, bool]]:
        """The nodes of `kinds` in the order of a whole walk, each with the number of the
        statement its local findings are kept under (-1: never kept) and whether the local rules
        run on it. Decorators are never kept: their names are looked up in the module's scope,
        where a rule's look around a node takes in every statement."""
        if isinstance(module, kinds):
            yield module, -1, True
        for number, statement in enumerate(module.body):
            decorators = getattr(statement, "decorators", None)
            loose = {id(n) for n in nodes_within(decorators, kinds)} if decorators is not None else set()
            fresh = number in self.rerun
            for node in nodes_within(statement, kinds):
                if id(node) in loose:
                    yield node, -1, True
                else:
                    yield node, number, fresh


@dataclass
class _Run:
    relpath: str
    index: ProjectIndex
    config: Config
    statements: list[StatementFacts]
    findings: list[list[Finding] | None]  # None: findings that point outside the statement


class StatementMemo:
    """Kept by a caller between runs on one file (the language server keeps one per document).
    `analyzer.engine.analyze_parsed` asks it which statements to analyse and tells it what
    they produced."""

    def __init__(self) -> None:
        self._last: _Run | None = None
        self.rerun_last = 0  # how many statements the last run analysed: for tests and logs

    def plan(self, module: nodes.Module, text: str, relpath: str, index: ProjectIndex, config: Config) -> Plan:
        last = self._last
        statements = _facts(module, text, {s.text: s for s in last.statements} if last is not None else {})
        everything = set(range(len(statements)))
        if last is None or last.relpath != relpath or last.index is not index or last.config is not config:
            return Plan(statements, everything)
        old = last.statements
        head = 0
        while head < min(len(old), len(statements)) and old[head].text == statements[head].text:
            head += 1
        tail = 0
        while tail < min(len(old), len(statements)) - head and \
                old[len(old) - 1 - tail].text == statements[len(statements) - 1 - tail].text:
            tail += 1
        edited = old[head:len(old) - tail] + statements[head:len(statements) - tail]
        mentioned = frozenset().union(*(s.words for s in edited))
        if mentioned & _MODULE_WIDE:
            return Plan(statements, everything)
        bound = frozenset().union(*(s.binds for s in edited))
        plan = Plan(statements, set(range(head, len(statements) - tail)))
        moved = list(range(head)) + list(range(len(statements) - tail, len(statements)))
        for new in moved:
            before = new if new < head else new - len(statements) + len(old)
            statement, findings = statements[new], last.findings[before]
            if findings is None or not statement.keepable or statement.words & bound or \
                    statement.defines & mentioned:
                plan.rerun.add(new)
                continue
            shift = statement.first - old[before].first
            plan.kept[new] = [_moved(f, shift) for f in findings] if shift else findings
        return plan

    def record(self, plan: Plan, produced: dict[int, list[Finding]], relpath: str, index: ProjectIndex,
               config: Config) -> None:
        """The findings of a completed run, statement by statement."""
        findings: list[list[Finding] | None] = []
        for number, statement in enumerate(plan.statements):
            found = plan.kept[number] if number in plan.kept else produced.get(number, [])
            inside = all(_within(f, statement, relpath) for f in found)
            findings.append(found if inside else None)
        self._last = _Run(relpath, index, config, plan.statements, findings)
        self.rerun_last = len(plan.rerun)

    def forget(self) -> None:
        self._last = None


def _facts(module: nodes.Module, text: str, known: dict[str, StatementFacts]) -> list[StatementFacts]:
    """Each top-level statement's facts; those of a text seen in the last run are taken over,
    with the lines where it stands now."""
    lines = text.split("\n")
    spans = []
    for statement in module.body:
        first = statement.fromlineno or 1
        decorators = getattr(statement, "decorators", None)
        if decorators is not None:
            first = min([first] + [d.fromlineno or first for d in decorators.nodes])
        spans.append((first, max(statement.tolineno or first, first)))
    texts = ["\n".join(lines[first - 1:last]) for first, last in spans]
    bound, imported = _module_bindings(module) if any(t not in known for t in texts) else ({}, {})
    facts = []
    for number, (statement, body, (first, last)) in enumerate(zip(module.body, texts, spans, strict=True)):
        seen = known.get(body)
        if seen is not None:
            facts.append(replace(seen, first=first, last=last) if (seen.first, seen.last) != (first, last) else seen)
            continue
        binds = frozenset(bound.get(number, set()) | set(_DEFINITION.findall(body)))
        keepable = isinstance(statement, (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.ClassDef))
        facts.append(StatementFacts(text=body, keepable=keepable, first=first, last=last,
                                    words=frozenset(_WORD.findall(body)), binds=binds,
                                    defines=binds - imported.get(number, set())))
    return facts


def _module_bindings(module: nodes.Module) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """The module-level names each top-level statement binds, and those it imports."""
    bound: dict[int, set[str]] = {}
    imported: dict[int, set[str]] = {}
    position = {id(statement): number for number, statement in enumerate(module.body)}
    for name, bindings in module.locals.items():
        for binding in bindings:
            top = binding
            while top.parent is not None and top.parent is not module:
                top = top.parent
            number = position.get(id(top))
            if number is None:
                continue
            bound.setdefault(number, set()).add(name)
            if isinstance(binding, (nodes.Import, nodes.ImportFrom)):
                imported.setdefault(number, set()).add(name)
    return bound, imported


def _moved(finding: Finding, shift: int) -> Finding:
    fixes = tuple(fix.model_copy(update={"edits": tuple(
        edit.model_copy(update={"line": edit.line + shift, "end_line": edit.end_line + shift})
        for edit in fix.edits)}) for fix in finding.fixes)
    return finding.model_copy(update={"line": finding.line + shift, "end_line": finding.end_line + shift,
                                      "fixes": fixes})


def _within(finding: Finding, statement: StatementFacts, relpath: str) -> bool:
    spans = [(finding.line, finding.end_line)] + [
        (edit.line, edit.end_line) for fix in finding.fixes for edit in fix.edits]
    return finding.path == relpath and all(statement.first <= start and end <= statement.last for start, end in spans) \
        and all(edit.path == relpath for fix in finding.fixes for edit in fix.edits)
