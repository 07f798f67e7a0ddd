"""Add `AND alias.tenant_column = <placeholder>` to a statement's WHERE clause, in place.

The predicate is built as a sqlglot expression and rendered for the dialect; it is inserted
as text at the end of the outermost WHERE (or as a new WHERE before GROUP BY, ORDER BY, LIMIT,
RETURNING...) so the rest of the user's formatting is untouched. An existing top-level OR is
parenthesised first, or the new conjunct would bind to its last branch only. The placeholder
follows the style the statement already uses; the caller must bind the value, which is why
this fix is always unsafe.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from ..lang.sql import next_numeric, placeholder, placeholder_style

CLAUSE_ENDS = {
    TokenType.GROUP_BY, TokenType.ORDER_BY, TokenType.HAVING, TokenType.LIMIT, TokenType.OFFSET,
    TokenType.RETURNING, TokenType.WINDOW, TokenType.UNION, TokenType.INTERSECT, TokenType.EXCEPT,
    TokenType.FETCH, TokenType.QUALIFY, TokenType.FOR, TokenType.SEMICOLON,
}


@dataclass(frozen=True)
class Insertion:
    offset: int  # in the statement text
    text: str


def predicate_sql(alias: str, column: str, value: str, dialect: str) -> str:
    """`alias.column = value`, built through sqlglot so quoting follows the dialect."""
    condition = exp.EQ(this=exp.column(column, table=alias), expression=exp.Var(this=value))
    return condition.sql(dialect=dialect)


def add_tenant_predicates(sql: str, tree: exp.Expression, targets: list[tuple[str, str]],
                          dialect: str) -> list[Insertion] | None:
    """Insertions that constrain each (alias, column) in the outermost query, or None."""
    if not targets or not isinstance(tree, (exp.Select, exp.Update, exp.Delete)):
        return None
    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
    except (SqlglotError, ValueError, KeyError):
        return None
    top = _top_level(tokens)
    style = placeholder_style(sql)
    number = next_numeric(sql)
    predicates = []
    for i, (alias, column) in enumerate(targets):
        value = placeholder(style, "tenant_id", number + i)
        predicates.append(predicate_sql(alias, column, value, dialect))
    joined = " AND ".join(predicates)

    where_index = next((i for i, t in enumerate(top) if t.token_type == TokenType.WHERE), None)
    if where_index is None:
        end = _clause_end(top, 0, sql)
        return [Insertion(end, f" WHERE {joined}")]
    end = _clause_end(top, where_index + 1, sql)
    where = tree.args.get("where")
    condition = where.this if isinstance(where, exp.Where) else None
    insertions = []
    if isinstance(condition, exp.Or):
        after_where = top[where_index].end + 1
        insertions.append(Insertion(after_where, " ("))
        insertions.append(Insertion(end, f") AND {joined}"))
        # The opening parenthesis replaces the space that followed WHERE.
        if sql[after_where: after_where + 1] == " ":
            insertions[0] = Insertion(after_where + 1, "(")
    else:
        insertions.append(Insertion(end, f" AND {joined}"))
    return insertions


def _top_level(tokens: list) -> list:
    depth = 0
    result = []
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0:
            result.append(token)
    return result


def _clause_end(top: list, start: int, sql: str) -> int:
    """Offset just after the last character of the clause that begins at top[start]."""
    last_end = None
    for token in top[start:]:
        if token.token_type in CLAUSE_ENDS:
            break
        last_end = token.end
    if last_end is None:
        stripped = sql.rstrip().rstrip(";").rstrip()
        return len(stripped)
    # A closing parenthesis may follow the last top-level token (a subquery ends the clause).
    tail = sql[last_end + 1:]
    cut = _first_clause_offset(top, start, sql)
    segment = tail[: cut - (last_end + 1)] if cut is not None else tail
    trimmed = segment.rstrip().rstrip(";").rstrip()
    return last_end + 1 + len(_strip_comments_right(trimmed))


def _first_clause_offset(top: list, start: int, sql: str) -> int | None:
    for token in top[start:]:
        if token.token_type in CLAUSE_ENDS:
            return token.start
    return None


def _strip_comments_right(text: str) -> str:
    lines = text.split("\n")
    while lines and (not lines[-1].strip() or lines[-1].strip().startswith("--")):
        lines.pop()
    return "\n".join(lines).rstrip()

