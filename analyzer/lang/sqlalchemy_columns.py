"""What a SQLAlchemy column puts in the database, read the same way from models and migrations.

`mapped_column(String(200))` under `Mapped[Optional[str]]` in a model and
`sa.Column("name", sa.VARCHAR(length=200), nullable=True)` in an Alembic revision are the same
column. Both go through `column_facts`, which applies SQLAlchemy's defaults (a `Column` is
nullable unless it is a primary key or says otherwise; a `mapped_column` follows its `Mapped[...]`
annotation) and folds type spellings into one family, so that comparing two columns compares
what the database would hold. Anything computed at run time is None: never compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from astroid import nodes

from .python import callee_name, dotted_name, keyword_argument

# Type spellings, SQLAlchemy's generic names and the SQL ones a database reflects, by the family
# `alembic check` tells apart: INTEGER and BIGINT differ, as do VARCHAR and TEXT, NUMERIC and
# FLOAT. An Enum, whose column type depends on the database, is never compared.
FAMILIES = {
    **dict.fromkeys(("Integer", "INTEGER", "INT"), "integer"),
    **dict.fromkeys(("BigInteger", "BIGINT"), "biginteger"),
    **dict.fromkeys(("SmallInteger", "SMALLINT"), "smallinteger"),
    **dict.fromkeys(("String", "VARCHAR", "Unicode", "NVARCHAR"), "string"),
    **dict.fromkeys(("CHAR", "NCHAR"), "char"),
    **dict.fromkeys(("Text", "TEXT", "UnicodeText", "CLOB"), "text"),
    **dict.fromkeys(("Boolean", "BOOLEAN"), "boolean"),
    **dict.fromkeys(("DateTime", "DATETIME", "TIMESTAMP"), "datetime"),
    **dict.fromkeys(("Date", "DATE"), "date"),
    **dict.fromkeys(("Time", "TIME"), "time"),
    **dict.fromkeys(("Interval", "INTERVAL"), "interval"),
    **dict.fromkeys(("Numeric", "NUMERIC", "DECIMAL"), "numeric"),
    **dict.fromkeys(("Float", "FLOAT", "REAL", "Double", "DOUBLE", "DOUBLE_PRECISION"), "float"),
    **dict.fromkeys(("LargeBinary", "BLOB", "BYTEA", "BINARY", "VARBINARY"), "binary"),
    "JSON": "json", "JSONB": "jsonb",
    **dict.fromkeys(("Uuid", "UUID"), "uuid"),
    "ARRAY": "array",
}
# Python annotations SQLAlchemy 2.0 maps to a type when `mapped_column()` names none.
ANNOTATION_TYPES = {"int": "integer", "str": "string", "bool": "boolean", "float": "float", "Decimal": "numeric",
                    "datetime": "datetime", "date": "date", "time": "time", "timedelta": "interval",
                    "bytes": "binary", "UUID": "uuid"}
COLUMN_CALLS = frozenset({"Column", "mapped_column"})
NOT_TYPES = frozenset({"Enum", "ENUM", "ForeignKey", "Sequence", "Identity", "Computed", "CheckConstraint",
                       "FetchedValue", "DefaultClause"})


@dataclass(frozen=True)
class ColumnFacts:
    name: str  # the database column's name
    family: str | None  # "string", "integer"... None when not known
    length: int | None  # String(200) -> 200; None for Text and for String without a length
    nullable: bool | None
    primary_key: bool
    index: bool
    unique: bool


def column_facts(call: nodes.Call, attribute: str | None = None, annotation: nodes.NodeNG | None = None) -> ColumnFacts:
    """A `Column(...)`/`mapped_column(...)`/`sa.Column(...)` call's database facts; `attribute` is
    the model attribute it is assigned to, `annotation` its `Mapped[...]`."""
    args = list(call.args)
    name = attribute or ""
    if args and isinstance(args[0], nodes.Const) and isinstance(args[0].value, str):
        name = args.pop(0).value
    given = keyword_argument(call, "name")  # mapped_column(Integer, name="platform_fee_percent")
    if isinstance(given, nodes.Const) and isinstance(given.value, str):
        name = given.value
    type_node = next((a for a in args if _is_type(a)), None) or keyword_argument(call, "type_")
    if type_node is not None:
        family, length = type_of(type_node)
    elif any(isinstance(a, nodes.Call) and (callee_name(a) or "").endswith("ForeignKey") for a in args):
        family, length = None, None  # the referenced column's type, whatever the annotation says
    else:
        family, length = _annotation_type(annotation)
    primary = _constant(keyword_argument(call, "primary_key")) is True
    nullable = _constant(keyword_argument(call, "nullable"))
    if not isinstance(nullable, bool):
        nullable = _default_nullable(call, primary, annotation) if keyword_argument(call, "nullable") is None \
            else None
    return ColumnFacts(name=name, family=family, length=length, nullable=nullable, primary_key=primary,
                       index=_constant(keyword_argument(call, "index")) is True,
                       unique=_constant(keyword_argument(call, "unique")) is True)


def is_column_call(node: nodes.NodeNG) -> bool:
    return isinstance(node, nodes.Call) and (callee_name(node) or "").rsplit(".", 1)[-1] in COLUMN_CALLS


def type_of(node: nodes.NodeNG) -> tuple[str | None, int | None]:
    """("string", 200) for `sa.String(200)`, `String(length=200)` or `VARCHAR(200)`; ("integer",
    None) for `Integer` or `sa.Integer()`; (None, None) for a type the project defines."""
    target = node.func if isinstance(node, nodes.Call) else node
    last = (dotted_name(target) or "").rsplit(".", 1)[-1]
    family = FAMILIES.get(last)
    length = None
    if isinstance(node, nodes.Call) and family == "string" and last in ("String", "VARCHAR", "Unicode", "NVARCHAR"):
        given = keyword_argument(node, "length") or (node.args[0] if node.args else None)
        length = given.value if isinstance(given, nodes.Const) and isinstance(given.value, int) else None
    return family, length


def _is_type(node: nodes.NodeNG) -> bool:
    target = node.func if isinstance(node, nodes.Call) else node
    last = (dotted_name(target) or "").rsplit(".", 1)[-1]
    return bool(last) and last not in NOT_TYPES and (last in FAMILIES or last[:1].isupper())


def _annotation_type(annotation: nodes.NodeNG | None) -> tuple[str | None, int | None]:
    inner = _mapped_inner(annotation)
    if inner is None:
        return None, None
    kinds = [leaf for leaf in _leaves(inner) if leaf != "None"]
    return (ANNOTATION_TYPES.get(kinds[0]) if len(kinds) == 1 else None), None


def _default_nullable(call: nodes.Call, primary: bool, annotation: nodes.NodeNG | None) -> bool | None:
    if primary:
        return False
    inner = _mapped_inner(annotation)
    if (callee_name(call) or "").rsplit(".", 1)[-1] == "Column" or inner is None:
        return True  # Column() and an unannotated mapped_column() are nullable unless told
    leaves = _leaves(inner)
    return None if "?" in leaves else "None" in leaves


def _mapped_inner(annotation: nodes.NodeNG | None) -> nodes.NodeNG | None:
    """`int | None` for `Mapped[int | None]`; None when there is no `Mapped[...]`."""
    if isinstance(annotation, nodes.Subscript) and (dotted_name(annotation.value) or "").endswith("Mapped"):
        return annotation.slice
    return None


def _leaves(node: nodes.NodeNG) -> list[str]:
    """The types an annotation unites, by last name: ["str", "None"] for `Optional[str]`,
    `str | None` and `Union[str, None]`; "?" for what cannot be read (a string annotation)."""
    if isinstance(node, nodes.BinOp) and node.op == "|":
        return _leaves(node.left) + _leaves(node.right)
    if isinstance(node, nodes.Const) and node.value is None:
        return ["None"]
    if isinstance(node, nodes.Subscript):
        wrapper = (dotted_name(node.value) or "").rsplit(".", 1)[-1]
        if wrapper == "Optional":
            return [*_leaves(node.slice), "None"]
        if wrapper == "Union" and isinstance(node.slice, nodes.Tuple):
            return [leaf for element in node.slice.elts for leaf in _leaves(element)]
    name = dotted_name(node)
    return [name.rsplit(".", 1)[-1]] if name else ["?"]


def _constant(node: nodes.NodeNG | None) -> object:
    return node.value if isinstance(node, nodes.Const) else None
