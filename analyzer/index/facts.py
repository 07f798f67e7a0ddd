"""The facts pass 1 records about models and tables, as plain dataclasses.

They hold names and positions only, never syntax trees, so an index can be cached, compared
and printed (`prodready index`) without the files it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lang.sqlalchemy_columns import ColumnFacts


@dataclass
class FieldInfo:
    name: str
    column: str
    kind: str  # "column", "fk", "o2o", "m2m", "relationship"
    target: str | None = None  # model name ("Tenant", "app.Tenant", "self") or "table.column"
    required: bool = False
    optional: bool = False  # declared nullable (null=True, nullable=True, Optional[...]), not merely not required
    line: int = 0
    type: str = ""  # the field class as written: "CharField", "ForeignKey"
    options: dict[str, object] = field(default_factory=dict)  # schema options (Django), see index.django_schema
    owner: str = ""  # qname of the class that declares it
    column_facts: ColumnFacts | None = None  # a SQLAlchemy column's type, nullability and index
    related_name: str = ""  # Django: the related manager on the target (`related_name="invoices"`)
    cascades: bool = False  # a foreign key whose row is deleted with the row it points to

    @property
    def is_primary_key(self) -> bool:
        """Django's `primary_key=True`, or a SQLAlchemy column's (`workflow_run_id = Column(String,
        primary_key=True)`)."""
        facts = self.column_facts
        return bool(self.options.get("primary_key")) or (facts is not None and facts.primary_key)

    @property
    def is_relation(self) -> bool:
        return self.kind in ("fk", "o2o", "m2m", "relationship")


@dataclass
class ModelInfo:
    name: str
    qname: str  # module.Class
    framework: str  # "django" or "sqlalchemy"
    path: str
    line: int
    app_label: str = ""
    app_label_declared: bool = False  # Meta.app_label, not the folder's name
    table: str = ""
    abstract: bool = False
    bases: list[str] = field(default_factory=list)  # qnames or dotted source names
    inherited_bases: list[str] = field(default_factory=list)  # bases of its project ancestors, too
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    managers: dict[str, str] = field(default_factory=dict)  # attribute -> manager class name
    auto_scoped: bool = False  # django-multitenant / django-scopes: the framework adds the filter
    # django-scopes: manager attribute -> the lookup its ScopedManager(event="event") scopes by
    scope_lookups: dict[str, str] = field(default_factory=dict)
    declared: bool = True  # a model base or model fields were seen here; else only an ancestor can tell
    managed: bool = True  # Django Meta.managed; False: the table is someone else's
    proxy: bool = False  # Django Meta.proxy: no table of its own
    table_declared: str = ""  # Django Meta.db_table as written; "" for the default name
    shadowed: set[str] = field(default_factory=set)  # inherited field names this class hides (`comment = None`)
    schema: str = ""  # SQLAlchemy `__table_args__ = {"schema": ...}`; "" for the session's default schema
    # SQLAlchemy `ForeignKeyConstraint`s of `__table_args__`: column -> "table.column", applied to
    # the column wherever it is declared (often a mixin)
    foreign_keys: dict[str, str] = field(default_factory=dict)
    snapshot: bool = False  # declared in a migration folder: the schema as one revision saw it
    # Filled by tenant resolution:
    tenant_field: str | None = None
    tenant_column: str | None = None
    tenant_reason: str = ""
    bound_via: str | None = None  # "project" when reaching the tenant through a required FK
    scoped_managers: set[str] = field(default_factory=set)
    # Flask-SQLAlchemy: methods of the model's own `query_class` that filter by the tenant, so
    # that `Person.query.get(id, project)` is scoped by the override it calls.
    scoped_query_methods: frozenset[str] = frozenset()

    @property
    def is_tenant_scoped(self) -> bool:
        return self.tenant_field is not None

    @property
    def is_tenant_bound(self) -> bool:
        return self.bound_via is not None

    def as_pk_lookup(self, lookup: str) -> str:
        """`pk__in` for `profile_id__in` where `profile_id` is the primary key: a lookup by the
        key, however the model names it (Django's `primary_key=True`)."""
        head, _, rest = lookup.partition("__")
        field_info = self.fields.get(head)
        if head in ("pk", "id") or field_info is None or not field_info.is_primary_key:
            return lookup
        return f"pk__{rest}" if rest else "pk"


@dataclass
class TableInfo:
    name: str
    columns: dict[str, str | None] = field(default_factory=dict)  # column -> referenced table
    path: str = ""
    line: int = 0
    model: str | None = None  # qname of the model that maps it
    tenant_column: str | None = None
    primary_key: str = "id"  # the single column of its primary key
    # The same table as another edition of the schema defines it, by that edition's folder:
    # "ee/" -> the enterprise schema's `projects`, for the code under "ee/" (see sql_tables).
    editions: dict[str, TableInfo] = field(default_factory=dict)


@dataclass
class TenantKey:
    """What the index decided the tenant is, and why: shown to users by `prodready index`."""

    models: list[str] = field(default_factory=list)  # class names of tenant models
    tables: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # configured field / column names
    reason: str = "no tenant model found"
    # Whether a row with an empty key is shared by every tenant (a template, a built-in role).
    # Not where most keys may be empty and the managers filter by them: those rows are unfinished.
    empty_key_shared: bool = True

    @property
    def found(self) -> bool:
        return bool(self.models or self.fields or self.tables)
