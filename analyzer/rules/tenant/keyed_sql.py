"""A request's id handed to a helper whose raw SQL picks a tenant's row by that id alone.

`page_body(session, page_id)` in a route, where the repository runs
`SELECT body FROM pages WHERE id = :page_id`, is the insecure direct object reference of raw
SQL. Within the helper the id is a parameter, chosen by whoever calls, so the statement is
judged at the call, where the id's origin shows (see `keyed_helpers`).
"""

from __future__ import annotations

from functools import lru_cache

from astroid import nodes

from ...index import ProjectIndex
from ...lang.python import nodes_within
from ...lang.python_strings import string_value
from ...lang.sql import Statement, parse_script
from ...lang.sql_calls import sql_argument
from ...lang.words import is_key_name
from .chains import ChainResolver
from .keyed_helpers import helper_lookup
from .row_security import tenant_set_before
from .sql_scope import LOOKS_LIKE_SQL, Unconstrained, unconstrained_tables
from .values import Origin


def keyed_sql_helper_call(call: nodes.Call, resolver: ChainResolver, dialect: str,
                          tenant_words: set[str], path: str = "") -> tuple[str, Unconstrained] | None:
    """(the helper's name, the table) when `call`, in a request handler at `path`, hands an id
    from the URL or the body to a project function whose raw SQL picks a tenant-scoped table's
    row by that parameter, without a tenant predicate and without row-level security set first."""
    def lookups(inner: nodes.Call, parameters: set[str]) -> list[tuple[str, Unconstrained]] | None:
        return _sql_lookups(inner, parameters, resolver.index, dialect, tenant_words, path)

    return helper_lookup(call, resolver, lookups, lambda _: (Origin.URL, Origin.REQUEST), lambda _: None,
                         kind=f"sql {type(resolver).__name__} {dialect} {path} {sorted(tenant_words)}")


def _sql_lookups(call: nodes.Call, parameters: set[str], index: ProjectIndex, dialect: str,
                 tenant_words: set[str], path: str) -> list[tuple[str, Unconstrained]] | None:
    argument = sql_argument(call)
    if argument is None:
        return None
    value = string_value(argument)
    if value is None or not LOOKS_LIKE_SQL.match(value.text):
        return []
    found = []
    for statement in _parsed(value.text, dialect):
        if statement.tree is None:
            continue
        missing = unconstrained_tables(statement.tree, index, path)
        if not missing or not all(m.keyed for m in missing):
            continue  # no tenant table, or one read whole: reported where it is written
        if tenant_set_before(call, tenant_words):
            return []
        found += [(name, missing[0]) for name in sorted(_keys_bound(call, parameters))]
    return found


@lru_cache(maxsize=512)
def _parsed(text: str, dialect: str) -> tuple[Statement, ...]:
    """A helper's SQL is read at each call a handler makes to it: parsed once, read only."""
    return tuple(parse_script(text, dialect))


def _keys_bound(call: nodes.Call, parameters: set[str]) -> set[str]:
    """Parameters named like keys that the statement around the SQL call mentions: a bound
    value (`{"page_id": page_id}`, `[page_id]`) or an f-string's hole. The SQL built into a
    variable first (`stmt = text(...)`) counts the statements that use the variable too."""
    statement = call.statement()
    scopes = [statement]
    if isinstance(statement, nodes.Assign) and len(statement.targets) == 1 \
            and isinstance(statement.targets[0], nodes.AssignName):
        name = statement.targets[0].name
        function = call.scope()
        scopes += [use.statement() for use in nodes_within(function, nodes.Name) if use.name == name]
    return {name.name for scope in scopes for name in nodes_within(scope, nodes.Name)
            if name.name in parameters and is_key_name(name.name)}
