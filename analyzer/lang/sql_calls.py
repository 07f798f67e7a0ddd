"""Where Python code hands SQL text to a database: `cursor.execute("...")`, `text("...")`,
`Model.objects.raw("...")`, `pd.read_sql(...)`. Rules about raw SQL start from these calls."""

from __future__ import annotations

from astroid import nodes

from .python import dotted_name, imported_name

SINK_METHODS = frozenset({"execute", "executemany", "exec_driver_sql", "raw", "read_sql", "read_sql_query", "fetch",
                          "fetchrow", "fetchval", "mogrify", "executescript"})
SINK_FUNCTIONS = frozenset({"text", "RawSQL", "read_sql", "read_sql_query"})


def sql_argument(call: nodes.Call) -> nodes.NodeNG | None:
    """The SQL text argument of a call that runs or wraps SQL, or None."""
    func = call.func
    if isinstance(func, nodes.Attribute):
        name = func.attrname
        is_sink = name in SINK_METHODS or name in SINK_FUNCTIONS
    else:
        name = (dotted_name(func) or "").rsplit(".", 1)[-1]
        is_sink = name in SINK_FUNCTIONS
    if not is_sink or (name == "text" and not _is_sqlalchemy_text(func)):
        return None
    argument = call.args[0] if call.args else next(
        (k.value for k in call.keywords or () if k.arg in ("sql", "query", "statement", "text")), None)
    if isinstance(argument, nodes.Call) and (dotted_name(argument.func) or "").rsplit(".", 1)[-1] in SINK_FUNCTIONS:
        return None  # session.execute(text("...")): the text() call is judged on its own
    return argument


def _is_sqlalchemy_text(func: nodes.NodeNG) -> bool:
    """`text` from sqlalchemy (or re-exported as `db.text`), not an HTML builder's `text("Create")`."""
    written, resolved = dotted_name(func) or "", imported_name(func) or ""
    if resolved != written:  # bound by an import: say from where
        return "sqlalchemy" in resolved or "sqlmodel" in resolved
    return isinstance(func, nodes.Attribute)
