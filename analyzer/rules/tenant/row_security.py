"""Raw SQL run after the code put the tenant on the connection, for Postgres row-level security.

Projects that guard their tables with RLS policies write the tenant into a custom setting
(`SELECT set_config('app.current_org', %s, false)`, `SET LOCAL app.tenant_id = ...`) and then
query without a tenant predicate: the database adds it. A statement that follows such a call in
the same function, directly or through a helper it calls first, is scoped by the code's own
choice. A setting that does not name the tenant (`statement_timeout`, `app.current_user`) sets
no scope.
"""

from __future__ import annotations

import re

from astroid import nodes

from ...lang.python import safe_infer
from ...lang.python_strings import string_value
from ...lang.sql_calls import sql_argument
from ...lang.words import words

_SET_CONFIG = re.compile(r"\bset_config\s*\(\s*'([\w.]+)'", re.I)
_SET = re.compile(r"^\s*SET\s+(?:SESSION\s+|LOCAL\s+)?([\w.]+)\s*(?:=|TO\b)", re.I)


def tenant_setting(sql: str, tenant_words: set[str]) -> bool:
    """Whether the SQL writes a custom setting named after the tenant (`app.current_org`)."""
    names = _SET_CONFIG.findall(sql) + _SET.findall(sql)
    return any("." in name and tenant_words & set(words(name.replace(".", "_"))) for name in names)


def tenant_set_before(node: nodes.NodeNG, tenant_words: set[str]) -> bool:
    """Whether the function around `node` put the tenant on the connection before it runs."""
    scope = node.scope()
    if not isinstance(scope, nodes.FunctionDef):
        return False
    line = node.lineno or 0
    for call in scope.nodes_of_class(nodes.Call):
        if (call.lineno or line) >= line:
            continue
        if _sets_tenant(call, tenant_words) or _helper_sets_tenant(call, tenant_words):
            return True
    return False


def _sets_tenant(call: nodes.Call, tenant_words: set[str]) -> bool:
    argument = sql_argument(call)
    if argument is None:
        return False
    value = string_value(argument)
    return value is not None and tenant_setting(value.text, tenant_words)


def _helper_sets_tenant(call: nodes.Call, tenant_words: set[str]) -> bool:
    """`set_tenant_context(connection, tenant_id)`: one project function that does it."""
    callee = safe_infer(call.func)
    if not isinstance(callee, nodes.FunctionDef) or callee.root().qname().startswith(("django", "sqlalchemy")):
        return False
    return any(_sets_tenant(inner, tenant_words) for inner in callee.nodes_of_class(nodes.Call))
