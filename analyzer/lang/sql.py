"""SQL through sqlglot: statements of a script with their offsets, and placeholder styles.

A script is split into statements at top-level semicolons before parsing, so one statement
sqlglot cannot read costs only itself. Parse failures are returned, never raised: callers count
them, as the summary promises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType


@dataclass(frozen=True)
class Statement:
    text: str
    start: int  # offset of `text` in the script
    tree: exp.Expression | None  # None when sqlglot could not parse it
    too_deep: bool = False  # ... because it nests deeper than Python's recursion limit allows


_STYLES = (
    ("pyformat", re.compile(r"%\((\w+)\)s")),
    ("format", re.compile(r"%s")),
    ("numeric", re.compile(r"\$\d+")),
    ("named", re.compile(r"(?<![:\w]):[A-Za-z_]\w*")),
    ("qmark", re.compile(r"\?")),
)


def placeholder_style(sql: str) -> str:
    """The parameter style a statement already uses (pyformat, format, numeric, named, qmark)."""
    for style, pattern in _STYLES:
        if pattern.search(sql):
            return style
    return "format"


def placeholder(style: str, name: str = "tenant_id", position: int = 1) -> str:
    return {
        "pyformat": f"%({name})s",
        "format": "%s",
        "numeric": f"${position}",
        "named": f":{name}",
        "qmark": "?",
    }.get(style, "%s")


def next_numeric(sql: str) -> int:
    numbers = [int(m[1:]) for m in re.findall(r"\$\d+", sql)]
    return max(numbers, default=0) + 1


def split_statements(script: str, dialect: str) -> list[tuple[int, str]]:
    """(offset, text) of each statement, split at top-level semicolons."""
    try:
        tokens = sqlglot.tokenize(script, read=dialect)
    except (SqlglotError, ValueError, KeyError):
        return [(0, script)] if script.strip() else []
    pieces: list[tuple[int, str]] = []
    start = 0
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            pieces.append((start, script[start: token.start]))
            start = token.end + 1
    pieces.append((start, script[start:]))
    result = []
    for offset, text in pieces:
        lead = _leading_comments(text)
        stripped = text[lead:].rstrip()
        if stripped:
            result.append((offset + lead, stripped))
    return result


_LEADING = re.compile(r"(\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def _leading_comments(text: str) -> int:
    """Length of the whitespace and comments before a statement's first token: a statement
    is reported where its code starts, not where the comment above it does."""
    return _LEADING.match(text).end()


def parse_statement(text: str, dialect: str) -> exp.Expression | None:
    """The statement's tree, or None when sqlglot cannot parse it. RecursionError is let out."""
    try:
        trees = sqlglot.parse(text, read=dialect)
    except (SqlglotError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    trees = [tree for tree in trees if tree is not None]
    if len(trees) != 1 or isinstance(trees[0], exp.Command):
        return None  # a Command is sqlglot's "I kept the text but did not understand it"
    return trees[0]


SCHEMA_STATEMENTS = (exp.Create, exp.Alter, exp.Drop, exp.TruncateTable)
# What sqlglot keeps as an unparsed Command but still changes the schema: `CREATE EXTENSION`,
# `ALTER TYPE ... ADD VALUE`, MySQL's `RENAME TABLE`. "Create a new payout" is no such statement.
_SCHEMA_COMMAND = re.compile(
    r"(?:create|alter|drop)\s+(?:or\s+replace\s+|unique\s+|unlogged\s+|materialized\s+)*"
    r"(?:table|index|view|schema|sequence|extension|type|function|procedure|trigger|domain|policy|database|"
    r"aggregate|collation|rule)\b|rename\s+table\b", re.I)


def is_schema_statement(text: str, dialect: str) -> bool:
    """Whether `text` is one statement that creates, alters, drops, truncates or renames a
    schema object, as sqlglot classifies it."""
    body = text[_leading_comments(text):]
    try:
        trees = [tree for tree in sqlglot.parse(body, read=dialect) if tree is not None]
    except (SqlglotError, ValueError, KeyError, RecursionError, TypeError, AttributeError, IndexError):
        return bool(_SCHEMA_COMMAND.match(body))
    if not trees:
        return False
    if isinstance(trees[0], exp.Command):
        return bool(_SCHEMA_COMMAND.match(body))
    return isinstance(trees[0], SCHEMA_STATEMENTS)


def parse_script(script: str, dialect: str) -> list[Statement]:
    return [_statement(text, offset, dialect) for offset, text in split_statements(script, dialect)]


def _statement(text: str, offset: int, dialect: str) -> Statement:
    try:
        return Statement(text, offset, parse_statement(text, dialect))
    except RecursionError:
        return Statement(text, offset, None, too_deep=True)
