"""Inline expectations for fixture projects: parse them, compare them with a report both ways.

A fixture file states, in a comment of its own language, what the analyzer must report:

    invoice = Invoice.objects.get(pk=pk)  # expect: TEN001
    -- ok: TEN003
    SELECT * FROM tenants WHERE id = :tid;

`expect:` must be reported, `ok:` must not be, `todo-expect:` is a known miss (it fails once it
starts being reported, so that it is promoted to `expect:`), `todo-ok:` a known false positive
(it fails once it stops being reported). A comment after code targets its own line; a comment
alone on a line targets the next line that has code, skipping blank and comment-only lines.
The markers are recognised wherever they appear, so a `-- expect:` inside a Python string of
SQL targets the next line of that string, which is a line of the .py file.

Findings and annotations are compared as multisets of (path, line, code); the result lists
every missing and every unexpected finding by line, never just counts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

KINDS = ("todo-expect", "todo-ok", "expect", "ok")
# Codes that annotations may name before their rule exists (the fixtures are written first).
PLANNED_CODES = frozenset({"TEN001", "TEN002", "TEN003"})
CODE = re.compile(r"[A-Z]+\d{3}")

# Longer markers first, so that `<!--` is not read as `--` and `{#` not as `#`.
_MARKER = r"<!--|\{#|/\*|//|--|#"
_CLOSERS = {"<!--": "-->", "{#": "#}", "/*": "*/"}
_ANNOTATED_COMMENT = re.compile(
    rf"(?P<marker>{_MARKER})[ \t]*(?P<body>(?:todo-expect|todo-ok|expect|ok)[ \t]*:.*)$"
)
_ANNOTATION = re.compile(
    r"(?P<kind>todo-expect|todo-ok|expect|ok)[ \t]*:[ \t]*(?P<codes>[\w-]+(?:[ \t]*,[ \t]*[\w-]+)*)"
)
# Anything that looks like an annotation, to catch one a comment marker does not introduce.
_LOOKS_ANNOTATED = re.compile(r"(?<![\w-])(?:todo-expect|todo-ok|expect|ok)[ \t]*:[ \t]*[A-Z]+\d")
_COMMENT_ONLY = re.compile(rf"^(?:{_MARKER})")


class AnnotationError(Exception):
    """Malformed annotations; the message lists each one as `path:line: problem`."""


@dataclass(frozen=True)
class Annotation:
    kind: str  # one of KINDS
    code: str
    path: str
    line: int  # the 1-based line the annotation is about
    comment_line: int  # where the comment itself is

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.code)


@dataclass(frozen=True)
class Observed:
    """A finding as the comparison needs it; `line` is 1-based."""

    path: str
    line: int
    code: str
    message: str = ""

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.code)


def parse_annotations(text: str, path: str = "") -> list[Annotation]:
    """Every annotation in `text`; raises AnnotationError listing every malformed one."""
    lines = text.split("\n")
    found: list[Annotation] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        match = _ANNOTATED_COMMENT.search(line)
        if match is None:
            if _LOOKS_ANNOTATED.search(line):
                problems.append(f"{path}:{number}: annotation is not at the start of a comment "
                                f"(#, --, //, /* */, <!-- -->, {{# #}})")
            continue
        marker = match.group("marker")
        body = match.group("body")
        after_comment = ""
        closer = _CLOSERS.get(marker)
        if closer and closer in body:
            body, _, after_comment = body.partition(closer)
        after_comment = after_comment.strip()
        trailing = bool(line[: match.start()].strip()) or bool(after_comment and not _COMMENT_ONLY.match(after_comment))
        target = number if trailing else _next_code_line(lines, number)
        if target is None:
            problems.append(f"{path}:{number}: annotation on its own line, but no code line follows it")
            continue
        parsed_any = False
        position = 0
        while True:
            annotation = _ANNOTATION.match(body, position)
            if annotation is None:
                break
            parsed_any = True
            for code in (c.strip() for c in annotation.group("codes").split(",")):
                if not CODE.fullmatch(code):
                    problems.append(f"{path}:{number}: `{code}` is not a rule code (like TEN001)")
                    continue
                found.append(Annotation(annotation.group("kind"), code, path, target, number))
            position = annotation.end()
            separator = re.match(r"[ \t;]*", body[position:])
            position += separator.end() if separator else 0
        if not parsed_any:
            problems.append(f"{path}:{number}: `{body.strip()}` names no rule code")
    problems.extend(_conflicts(found))
    if problems:
        raise AnnotationError("\n".join(problems))
    return found


def _next_code_line(lines: list[str], number: int) -> int | None:
    """The first line after 1-based `number` that is neither blank nor only a comment."""
    index = number  # 0-based index of the line after `number`
    while index < len(lines):
        stripped = lines[index].strip()
        index += 1
        if not stripped:
            continue
        opener = _COMMENT_ONLY.match(stripped)
        if opener is None:
            return index
        closer = _CLOSERS.get(opener.group(0))
        if closer and closer not in stripped[len(opener.group(0)):]:
            # A block comment over several lines: skip to the line that closes it.
            while index < len(lines) and closer not in lines[index]:
                index += 1
            index += 1
    return None


def _conflicts(annotations: list[Annotation]) -> list[str]:
    kinds: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    for annotation in annotations:
        kinds[annotation.key].add(annotation.kind)
    problems = []
    for (path, line, code), seen in sorted(kinds.items()):
        if len(seen) > 1:
            problems.append(f"{path}:{line}: contradictory annotations for {code}: {', '.join(sorted(seen))}")
    return problems


def unknown_codes(annotations: Iterable[Annotation], known: Iterable[str]) -> list[str]:
    """`path:line: unknown code X` for each annotation naming a code no rule has or plans."""
    known = set(known) | PLANNED_CODES
    return [f"{a.path}:{a.comment_line}: unknown rule code {a.code} in `{a.kind}:`"
            for a in annotations if a.code not in known]


def known_codes() -> set[str]:
    """The codes of the registered rules plus the planned ones."""
    import analyzer

    return {rule.code for rule in analyzer.rules()} | PLANNED_CODES


@dataclass
class Comparison:
    missing: list[Annotation] = field(default_factory=list)  # expect: not reported
    unexpected: list[Observed] = field(default_factory=list)  # reported, not on an expect:/todo-ok: line
    promoted_misses: list[Observed] = field(default_factory=list)  # todo-expect: now reported
    fixed_false_positives: list[Annotation] = field(default_factory=list)  # todo-ok: no longer reported
    ok_lines: set[tuple[str, int, str]] = field(default_factory=set)

    @property
    def passed(self) -> bool:
        return not (self.missing or self.unexpected or self.promoted_misses or self.fixed_false_positives)

    def render(self, sources: dict[str, str] | None = None) -> str:
        """A report that names every line; `sources` (path -> text) adds the code of missing lines."""
        sources = sources or {}

        def code_at(path: str, line: int) -> str:
            text = sources.get(path)
            if text is None:
                return ""
            lines = text.split("\n")
            return f"  | {lines[line - 1].strip()}" if 0 < line <= len(lines) else ""

        out = []
        if self.missing:
            out.append(f"missing ({len(self.missing)}): annotated `expect:` but not reported")
            out += [f"  {a.path}:{a.line} {a.code}{code_at(a.path, a.line)}" for a in self.missing]
        if self.unexpected:
            out.append(f"unexpected ({len(self.unexpected)}): reported on a line without `expect:`")
            for f in self.unexpected:
                note = " [line is marked ok:]" if f.key in self.ok_lines else ""
                out.append(f"  {f.path}:{f.line} {f.code} {f.message}{note}")
        if self.promoted_misses:
            out.append(f"todo-expect now reported ({len(self.promoted_misses)}): change it to `expect:`")
            out += [f"  {f.path}:{f.line} {f.code} {f.message}" for f in self.promoted_misses]
        if self.fixed_false_positives:
            out.append(f"todo-ok no longer reported ({len(self.fixed_false_positives)}): change it to `ok:`")
            out += [f"  {a.path}:{a.line} {a.code}{code_at(a.path, a.line)}" for a in self.fixed_false_positives]
        return "\n".join(out)


def compare(annotations: Iterable[Annotation], findings: Iterable[Observed]) -> Comparison:
    """Annotations against findings, as multisets of (path, line, code)."""
    annotations = list(annotations)
    by_kind: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        by_kind[annotation.kind].append(annotation)
    expected = Counter(a.key for a in by_kind["expect"])
    todo_expect = {a.key for a in by_kind["todo-expect"]}
    todo_ok = {a.key for a in by_kind["todo-ok"]}
    reported: dict[tuple[str, int, str], list[Observed]] = defaultdict(list)
    for finding in sorted(findings, key=lambda f: (f.path, f.line, f.code, f.message)):
        reported[finding.key].append(finding)

    result = Comparison(ok_lines={a.key for a in by_kind["ok"]})
    wanted: dict[tuple[str, int, str], list[Annotation]] = defaultdict(list)
    for annotation in by_kind["expect"]:
        wanted[annotation.key].append(annotation)
    for key, items in sorted(wanted.items()):
        shortfall = len(items) - len(reported.get(key, ()))
        if shortfall > 0:
            result.missing.extend(items[-shortfall:])
    for key, observed in sorted(reported.items()):
        extra = observed[expected[key]:]
        if not extra or key in todo_ok:
            continue
        if key in todo_expect:
            result.promoted_misses.extend(extra)
        else:
            result.unexpected.extend(extra)
    result.fixed_false_positives = [a for a in by_kind["todo-ok"] if not reported.get(a.key)]
    return result
