"""The part of a Django field that reaches the database, read the same way from models and migrations.

`models.EmailField(blank=True)` in a model and `models.EmailField(blank=True, max_length=254)`
in the migration makemigrations wrote are the same column; `help_text`, `verbose_name`,
`blank` and `choices` change no schema. Both sides go through `schema_options`, which fills in
Django's defaults, so that comparing two fields compares what the database would see.
"""

from __future__ import annotations

from astroid import nodes

from ..lang.python import callee_name, dotted_name, keyword_argument, safe_infer

UNKNOWN = "<unknown>"  # a value computed at run time: never compared
RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey", "TenantForeignKey",
                       "TenantOneToOneField", "ParentalManyToManyField"})
# Options that change the table: its column type, size, nullability, keys and indexes.
SCHEMA_OPTIONS = ("max_length", "null", "unique", "db_index", "primary_key", "db_column", "max_digits",
                  "decimal_places", "to", "db_table")
DEFAULT_MAX_LENGTH = {"EmailField": 254, "SlugField": 50, "URLField": 200, "FileField": 100, "ImageField": 100,
                      "FilePathField": 100, "GenericIPAddressField": 39, "IPAddressField": 15}
INDEXED_BY_DEFAULT = frozenset({"ForeignKey", "OneToOneField", "SlugField", "ParentalKey", "TenantForeignKey",
                                "TenantOneToOneField"})
UNIQUE_BY_DEFAULT = frozenset({"OneToOneField", "TenantOneToOneField"})
AUTH_USER = "settings.AUTH_USER_MODEL"
# Django's own field classes. A field class of a package or of the project may set its options
# in __init__ or deconstruct() (`CommonCharField()` with max_length=60 inside), so only these
# are compared option by option.
BUILTIN_FIELDS = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "BigIntegerField", "BinaryField", "BooleanField", "CharField",
    "DateField", "DateTimeField", "DecimalField", "DurationField", "EmailField", "FileField", "FilePathField",
    "FloatField", "GenericIPAddressField", "ImageField", "IntegerField", "JSONField", "PositiveBigIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField", "TimeField",
    "URLField", "UUIDField", "ForeignKey", "OneToOneField", "ManyToManyField", "NullBooleanField", "IPAddressField",
    "ArrayField", "HStoreField", "CICharField", "CIEmailField", "CITextField", "DateRangeField",
    "DateTimeRangeField", "IntegerRangeField", "BigIntegerRangeField", "DecimalRangeField", "GeneratedField",
})


def field_type(call: nodes.Call) -> str:
    """`CharField` for `models.CharField(...)` and `django.db.models.fields.CharField(...)`."""
    return (callee_name(call) or "").rsplit(".", 1)[-1]


def _value(node: nodes.NodeNG | None) -> object:
    if node is None:
        return None
    if isinstance(node, nodes.Const):
        return node.value
    name = dotted_name(node) or ""
    if name.endswith("AUTH_USER_MODEL"):
        return AUTH_USER
    inferred = safe_infer(node)
    if isinstance(inferred, nodes.Const):
        return inferred.value
    if isinstance(node, nodes.Name | nodes.Attribute) and name:
        return name.rsplit(".", 1)[-1]  # a model class named directly: `ForeignKey(Organization, ...)`
    return UNKNOWN


def relation_target(value: object, owner: str | None) -> object:
    """"organization" for `Organization`, "accounts.Organization" and "accounts.organization";
    the owner for "self" (kept as "self" when the owner is an abstract class, whose "self" is
    each concrete model); AUTH_USER and UNKNOWN as they are."""
    if not isinstance(value, str) or value in (AUTH_USER, UNKNOWN):
        return value
    if value == "self":
        return owner.lower() if owner else "self"
    return value.rsplit(".", 1)[-1].lower()


def schema_options(call: nodes.Call, owner: str | None) -> dict[str, object]:
    """The schema-relevant options of a field, Django's defaults filled in."""
    kind = field_type(call)
    options: dict[str, object] = {
        "max_length": DEFAULT_MAX_LENGTH.get(kind),
        "null": False,
        "unique": kind in UNIQUE_BY_DEFAULT,
        "db_index": kind in INDEXED_BY_DEFAULT,
        "primary_key": False,
        "db_column": None,
        "max_digits": None,
        "decimal_places": None,
    }
    if kind in RELATIONS:
        target = keyword_argument(call, "to") or (call.args[0] if call.args else None)
        options["to"] = relation_target(_value(target), owner)
        if kind.startswith("ManyToMany") or kind == "ParentalManyToManyField":
            options["db_table"] = None
    if any(k.arg is None for k in call.keywords or ()):  # CharField(**settings.HARDWARE_ID_OPTIONS)
        return {name: UNKNOWN for name in options} | {"to": options.get("to", UNKNOWN)}
    for name in SCHEMA_OPTIONS:
        given = keyword_argument(call, name)
        if given is not None and name != "to":
            options[name] = _value(given)
    if options["primary_key"] is True:
        options["unique"] = True
    return options


def differences(model: dict[str, object], migrated: dict[str, object]) -> list[tuple[str, object, object]]:
    """(option, in the model, in the migrations) for every known option that differs."""
    found = []
    for name in SCHEMA_OPTIONS:
        ours, theirs = model.get(name), migrated.get(name)
        if UNKNOWN in (ours, theirs) or AUTH_USER in (ours, theirs) or ours == theirs:
            continue
        found.append((name, ours, theirs))
    return found
