"""Which model is the tenant, which models and tables carry its key, and what counts as a filter.

The tenant comes from configuration when given; otherwise it is the model that many models point
to by a foreign key and is named like a tenant. The decision is recorded with its reason, because
a user who disagrees with a finding must be able to see why the query was judged as it was.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..config import TenantConfig
from .facts import FieldInfo, ModelInfo, TableInfo, TenantKey

# Ordered by how strongly the name says "tenant": ties in foreign-key count go to the earlier one.
TENANT_NAMES = (
    "tenant", "organization", "organisation", "org", "workspace", "account", "company", "team", "realm", "space",
    "customer", "client", "agency", "firm", "business", "enterprise", "school", "clinic", "store", "shop",
)
# Names that mean "tenant" only in some projects (auth groups, households, projects): used
# only when no model with a name from TENANT_NAMES qualifies.
WEAK_TENANT_NAMES = ("group", "household", "family", "site", "project")
MIN_INCOMING = 2
# Models, and share of the models, that carry a tenant's key column when there is no tenant model.
MIN_KEY_CARRIERS = 5
# `client_id` is an OAuth client's and `customer_id` a payment provider's more often than a tenant's.
NOT_KEY_COLUMNS = frozenset({"client", "customer"})
# A model below the tenant becomes the boundary when this many times more models point to it.
SUB_TENANT_NAMES = ("project",)
SUB_TENANT_RATIO = 3
SUB_TENANT_MIN_INCOMING = 10
SCOPING_LOOKUPS = {"exact", "iexact", "in"}
DJANGO_LOOKUPS = {
    "exact", "iexact", "in", "isnull", "gt", "gte", "lt", "lte", "contains", "icontains", "startswith",
    "istartswith", "endswith", "iendswith", "range", "regex", "iregex", "ne", "date", "year", "month", "day",
}


# How projects mark a class as the database's: `OrganizationDB`, `TenantModel`, `AccountORM`.
MODEL_SUFFIXES = ("dbe", "db", "model", "orm", "entity", "table", "record")


def bare_name(name: str) -> str:
    """`organization` for `OrganizationDB`: the lower-case name without the database suffix."""
    lowered = name.lower()
    return next((lowered.removesuffix(s) for s in MODEL_SUFFIXES if lowered.endswith(s) and lowered != s), lowered)


def _tenant_like(name: str, names: tuple[str, ...] = TENANT_NAMES) -> int | None:
    spellings = {name.lower().removesuffix("s"), bare_name(name).removesuffix("s")}
    for rank, candidate in enumerate(names):
        if candidate in spellings:
            return rank
    return None


def relation_target(field: FieldInfo, owner: ModelInfo, by_name: dict[str, list[ModelInfo]],
                    by_table: dict[str, ModelInfo]) -> ModelInfo | None:
    """The model a relation points to, resolved by class name or, for SQLAlchemy, by table."""
    if not field.target:
        return None
    if field.target == "self":
        return owner
    if "." in field.target and owner.framework == "sqlalchemy" and field.kind == "fk":
        # ForeignKey("tenants.id") names a table; ForeignKey(Tenant.id) a class attribute.
        holder = field.target.split(".")[-2]
        found = by_table.get(holder.lower()) or _by_singular_table(holder.lower(), by_table)
        if found is not None or holder not in by_name:
            return found
        name = holder
    else:
        name = field.target.split(".")[-1]
    candidates = by_name.get(name) or by_name.get(name.lower(), [])
    same_framework = [m for m in candidates if m.framework == owner.framework and not m.abstract]
    return (same_framework or candidates or [None])[0]


# Packages that keep each tenant in a PostgreSQL schema of its own, under a `TenantMixin` model.
SCHEMA_TENANCY_PACKAGES = frozenset({"django_tenants", "tenant_schemas"})


def _by_singular_table(table: str, by_table: dict[str, ModelInfo]) -> ModelInfo | None:
    """`tenants` for a model whose table name a `declared_attr` computes at run time (with
    inflect's plural, say) and the index could only guess as `tenant`."""
    for plural, singular in (("ies", "y"), ("es", ""), ("s", "")):
        if table.endswith(plural) and (found := by_table.get(table[: -len(plural)] + singular)) is not None:
            return found
    return None


def detect_tenant(models: list[ModelInfo], tables: dict[str, TableInfo], config: TenantConfig,
                  by_name: dict[str, list[ModelInfo]], by_table: dict[str, ModelInfo],
                  manager_lookups: dict[str, frozenset[str]] | None = None) -> TenantKey:
    concrete = [m for m in models if not m.abstract and not m.snapshot] or [m for m in models if not m.abstract]
    if config.models:
        found = [name for name in config.models if name in by_name]
        missing = [name for name in config.models if name not in by_name]
        reason = "tenant models from configuration: " + ", ".join(config.models)
        if missing:
            reason += f" (not found in the project: {', '.join(missing)})"
        return TenantKey(models=list(config.models), fields=list(config.fields), reason=reason) if found or \
            config.fields else TenantKey(reason=reason)
    if config.fields:
        return TenantKey(fields=list(config.fields), reason="tenant fields from configuration: "
                         + ", ".join(config.fields))

    declared = _declared_scope(concrete, by_name, by_table)
    if declared is not None:
        return declared
    schemas = next((m for m in concrete if m.framework == "django" and any(
        b.split(".")[0] in SCHEMA_TENANCY_PACKAGES and b.endswith(".TenantMixin") for b in m.inherited_bases)), None)
    if schemas is not None:
        return TenantKey(reason=f"`{schemas.name}` ({schemas.path}:{schemas.line}) is a `TenantMixin`: each tenant "
                                "has its own database schema, so rows need no tenant filter")

    incoming: dict[str, set[str]] = {}
    optional: dict[str, set[str]] = {}
    managed: dict[str, set[str]] = {}  # models whose default manager filters by their key to the target
    # SuperAGI keys its tables by `organisation_id = Column(Integer)`, with no ForeignKey to the
    # `Organisation` model: the column names its model all the same.
    keyed_by_column = {f"{bare_name(m.name)}_id": m for m in concrete
                       if _tenant_like(m.name) is not None or _tenant_like(m.name, WEAK_TENANT_NAMES) is not None}
    by_column: dict[str, set[str]] = {}
    for model in concrete:
        filtered = (manager_lookups or {}).get(model.managers.get("objects", ""), frozenset())
        for field in model.fields.values():
            if field.kind == "column" and field.name.lower() in keyed_by_column and model.framework == "sqlalchemy":
                target = keyed_by_column[field.name.lower()]
                if target is not model:
                    incoming.setdefault(target.qname, set()).add(model.name)
                    by_column.setdefault(target.qname, set()).add(model.name)
                    if field.optional:
                        optional.setdefault(target.qname, set()).add(model.name)
                continue
            if field.kind not in ("fk", "o2o"):
                continue
            target = relation_target(field, model, by_name, by_table)
            if target is not None and target is not model:
                incoming.setdefault(target.qname, set()).add(model.name)
                if field.optional:
                    optional.setdefault(target.qname, set()).add(model.name)
                if field.name in filtered:
                    managed.setdefault(target.qname, set()).add(model.name)
    attribute_only: list[str] = []
    columns = _modelless_key_columns(concrete)
    for names in (TENANT_NAMES, WEAK_TENANT_NAMES):
        column = _widest_key_column(columns, names)
        best: tuple[int, int, ModelInfo] | None = None
        for model in concrete:
            rank = _tenant_like(model.name, names)
            count = len(incoming.get(model.qname, ()))
            if rank is None or count < MIN_INCOMING:
                continue
            if 3 * len(optional.get(model.qname, ())) > 2 * count and len(managed.get(model.qname, ())) < MIN_INCOMING:
                # NetBox's Tenant: null=True on every key. Rows need not belong to one, so it
                # labels data rather than isolating it. Baserow's Workspace, optional on 11 of
                # 21 keys (templates and trash have none), still isolates the rest. Unstract's
                # Organization, optional on 17 of 22, isolates: the models' managers filter by it.
                attribute_only.append(f"`{model.name}` is named like a tenant but {len(optional[model.qname])} of "
                                      f"the {count} models that point to it may leave the key empty")
                continue
            shared = _shared_references(model, incoming.get(model.qname, set()), concrete, by_name, by_table)
            if shared is not None:
                attribute_only.append(shared)
                continue
            if best is None or (count, -rank) > (best[0], -best[1]):
                best = (count, rank, model)
        if column is not None and (best is None or len(columns[column]) > best[0]):
            carriers = columns[column]
            return TenantKey(fields=[column], reason=f"`{column}` is named like a tenant's key and {len(carriers)} "
                                                     f"models carry it (for example `{min(carriers)}`), with no model "
                                                     "it points to")
        if best is not None:
            count, _, model = best
            child = _isolating_child(model, count, concrete, incoming, by_name, by_table)
            if child is not None:
                return TenantKey(
                    models=[child.name],
                    reason=f"`{child.name}` ({child.path}:{child.line}) belongs to `{model.name}`, which is named "
                           f"like a tenant, and {len(incoming[child.qname])} models point to it against {count} to "
                           f"`{model.name}`: the data is kept apart by {bare_name(child.name)}",
                )
            managers = len(managed.get(model.qname, ()))
            column = f"`{bare_name(model.name)}_id`"
            how = f"a foreign key or the column {column}" if by_column.get(model.qname) else "a foreign key"
            return TenantKey(
                models=[model.name],
                reason=f"`{model.name}` ({model.path}:{model.line}) is named like a tenant and {count} models point "
                       f"to it by {how}" + (f"; the default managers of {managers} filter by it"
                                            if managers >= MIN_INCOMING else ""),
                empty_key_shared=3 * len(optional.get(model.qname, ())) <= 2 * count,
            )
    if attribute_only:  # the tables of those models would only repeat the same answer
        return TenantKey(reason="; ".join(attribute_only) + ": an attribute, not an isolation boundary; set "
                                "[tool.prodready.tenant] models to check it anyway")
    return _detect_from_tables(tables)


# References from a candidate's rows, and the share of them to rows no candidate owns, above
# which the candidate is a participant in one shared space rather than a tenant.
MIN_REFERENCES = 3
SHARED_REFERENCES = 3 / 4


def _shared_references(candidate: ModelInfo, pointing: set[str], models: list[ModelInfo],
                       by_name: dict[str, list[ModelInfo]], by_table: dict[str, ModelInfo]) -> str | None:
    """Why `candidate` is no tenant when the rows that point to it point mostly to rows that
    nothing of it owns: CTFd's solves, submissions and unlocks carry a team's key and point to
    challenges and hints that every team shares. A tenant's rows point to its own rows (an
    invoice to its customer) and, now and then, to a shared catalogue (a plan, a currency).
    References to users are left out: every row may record who made it."""
    owned = {candidate.name, *pointing}
    keys = {f"{bare_name(candidate.name).removesuffix('s')}{joint}id" for joint in ("_", "")}
    references = 0
    targets: dict[str, int] = {}
    for model in models:
        if model.name not in pointing:
            continue
        for field in model.fields.values():
            if field.kind not in ("fk", "o2o"):
                continue
            target = relation_target(field, model, by_name, by_table)
            if target is None or target is model or target.name in owned or _names_a_user(target.name):
                continue
            references += 1
            if not any(f.name.lower() in keys or (f.kind in ("fk", "o2o") and getattr(
                    relation_target(f, target, by_name, by_table), "name", None) in owned)
                       for f in target.fields.values()):
                targets[target.name] = targets.get(target.name, 0) + 1  # h's Annotation keeps a `groupid`
    shared = sum(targets.values())
    if references < MIN_REFERENCES or shared < SHARED_REFERENCES * references:
        return None
    example = max(targets, key=lambda name: (targets[name], name))
    return (f"`{candidate.name}` is named like a tenant, but {shared} of the {references} references from the rows "
            f"that point to it lead to rows no `{candidate.name}` owns (such as `{example}`), which every "
            f"`{candidate.name}` shares")


def _names_a_user(name: str) -> bool:
    """`User`, `Users`, `FFAdminUser`, `SEEDUser`: the accounts that rows record as their authors."""
    return bare_name(name).removesuffix("s").endswith("user")


def _declared_scope(models: list[ModelInfo], by_name: dict[str, list[ModelInfo]],
                    by_table: dict[str, ModelInfo]) -> TenantKey | None:
    """The model that django-scopes managers scope by: pretalx declares
    `objects = ScopedManager(event="event")` on its models, and Event is the tenant whatever it
    is called. The project's own declaration beats any guess from names."""
    scoped: dict[str, set[str]] = {}
    lookups: dict[str, str] = {}
    found: dict[str, ModelInfo] = {}
    for model in models:
        lookup = model.scope_lookups.get("objects", "")
        field = model.fields.get(lookup)
        if field is None or field.kind not in ("fk", "o2o"):
            continue  # "submission__event": scoped through a parent, which decides
        target = relation_target(field, model, by_name, by_table)
        if target is not None and target is not model:
            scoped.setdefault(target.qname, set()).add(model.name)
            lookups.setdefault(target.qname, lookup)
            found[target.qname] = target
    if not scoped:
        return None
    qname = max(scoped, key=lambda q: len(scoped[q]))
    if len(scoped[qname]) < MIN_INCOMING:
        return None
    tenant = found[qname]
    return TenantKey(models=[tenant.name], reason=f"`{tenant.name}` ({tenant.path}:{tenant.line}) is what "
                                                  f"{len(scoped[qname])} django-scopes managers scope by, through "
                                                  f"`{lookups[qname]}`")


def _modelless_key_columns(models: list[ModelInfo]) -> dict[str, set[str]]:
    """Required plain columns named like a tenant's key (`company_id`) for which the project has
    no model: MindsDB keys twenty tables by `company_id` and keeps its companies elsewhere. A
    column that most of its models may leave empty labels rows rather than isolating them."""
    modelled = _with_short_forms({bare_name(m.name).removesuffix("s") for m in models})  # Jumpserver's org_id
    carriers: dict[str, set[str]] = {}
    optional: dict[str, int] = {}
    for model in models:
        for field in model.fields.values():
            word = field.name.lower().removesuffix("_id")
            if field.kind != "column" or not field.name.lower().endswith("_id") or word in modelled \
                    or word in NOT_KEY_COLUMNS:
                continue
            if _tenant_like(word) is None and _tenant_like(word, WEAK_TENANT_NAMES) is None:
                continue
            carriers.setdefault(field.name, set()).add(model.name)
            optional[field.name] = optional.get(field.name, 0) + field.optional
    least = max(MIN_KEY_CARRIERS, len(models) // 5)
    return {name: found for name, found in carriers.items()
            if len(found) >= least and 3 * optional[name] <= 2 * len(found)}


def _widest_key_column(columns: dict[str, set[str]], names: tuple[str, ...]) -> str | None:
    ranked = [(len(found), -rank, name) for name, found in columns.items()
              if (rank := _tenant_like(name.lower().removesuffix("_id"), names)) is not None]
    return max(ranked)[2] if ranked else None


def _isolating_child(tenant: ModelInfo, count: int, concrete: list[ModelInfo], incoming: dict[str, set[str]],
                     by_name: dict[str, list[ModelInfo]], by_table: dict[str, ModelInfo]) -> ModelInfo | None:
    """A model that belongs to the tenant and that many times more models point to: Agenta's
    ProjectDB under OrganizationDB, 35 against 8. Nearly every row and query carries the
    child's key, so that is the boundary to check; the tenant's own key still counts, as the
    key of the tenant above the tenant (see `parent_tenant_keys`)."""
    best: tuple[int, ModelInfo] | None = None
    for model in concrete:
        if _tenant_like(model.name) is None and _tenant_like(model.name, SUB_TENANT_NAMES) is None:
            continue
        children = len(incoming.get(model.qname, ()))
        if children < max(SUB_TENANT_MIN_INCOMING, SUB_TENANT_RATIO * count) or (best and children <= best[0]):
            continue
        if any(f.kind in ("fk", "o2o") and f.required and relation_target(f, model, by_name, by_table) is tenant
               for f in model.fields.values()):
            best = (children, model)
    return best[1] if best else None


def parent_tenant_keys(key: TenantKey, models: list[ModelInfo], by_name: dict[str, list[ModelInfo]],
                       by_table: dict[str, ModelInfo]) -> set[str]:
    """Keys of the tenant above the tenant: a query on a workspace's rows filtered by
    `organization_id` stays inside one customer (tracecat: Organization above Workspace)."""
    found: set[str] = set()
    for model in models:
        if model.name not in key.models:
            continue
        for field in model.fields.values():
            if field.kind not in ("fk", "o2o"):
                continue
            target = relation_target(field, model, by_name, by_table)
            if target is not None and target is not model and _tenant_like(target.name) is not None:
                found.update({field.name, field.column})
    return found


def _detect_from_tables(tables: dict[str, TableInfo]) -> TenantKey:
    incoming: dict[str, int] = {}
    for table in tables.values():
        editions = (table, *table.editions.values())
        for target in {target for each in editions for target in each.columns.values() if target}:
            if target != table.name and target in tables:  # a table created elsewhere cannot be judged
                incoming[target] = incoming.get(target, 0) + 1
    ranked = sorted(
        ((count, -rank, name) for name, count in incoming.items()
         if (rank := _tenant_like(name)) is not None and count >= MIN_INCOMING),
        reverse=True,
    )
    if not ranked:
        return TenantKey(reason="no model or table is both named like a tenant and referenced by "
                                f"{MIN_INCOMING}+ foreign keys; set [tool.prodready.tenant] fields or models")
    count, _, name = ranked[0]
    table = tables[name]
    return TenantKey(tables=[name], reason=f"table `{name}` ({table.path}:{table.line}) is named like a tenant "
                                           f"and {count} tables reference it")


def mark_scoped_models(models: list[ModelInfo], key: TenantKey, by_name: dict[str, list[ModelInfo]],
                       by_table: dict[str, ModelInfo], external_bases: set[str] = frozenset()) -> None:
    """Set tenant_field on models that carry the key, and bound_via on those that reach one."""
    tenant_names = set(key.models)
    tenant_tables = {t.lower() for t in key.tables}
    fields = set(key.fields)
    constrained = _constrained_elsewhere(models)
    # the columns of the foreign keys to the tenant, and those named for it (`organisation_id`)
    key_columns: set[str] = {f"{bare_name(name)}_id" for name in tenant_names}

    def relation(model: ModelInfo, field: FieldInfo) -> tuple[ModelInfo, FieldInfo]:
        """The foreign key a field is, declared on it or, for a mixin column, on its siblings."""
        if field.kind == "column" and (field.owner, field.name) in constrained:
            return constrained[field.owner, field.name]
        return model, field

    def sibling_reason(field: FieldInfo, owner: ModelInfo, target: str) -> str:
        return (f"`{field.name}` comes from `{field.owner.rsplit('.', 1)[-1]}`, which `{owner.name}` constrains as a "
                f"foreign key to `{target}`")

    for model in models:
        if model.name in tenant_names:
            continue
        for field in model.fields.values():
            owner, declared = relation(model, field)
            target = relation_target(declared, owner, by_name, by_table) if declared.is_relation else None
            points_to_tenant = declared.kind in ("fk", "o2o") and not _a_choice(field.name) and (
                (target is not None and target.name in tenant_names)
                or (declared.target is not None and declared.target.split(".")[0].lower() in tenant_tables)
            )
            if points_to_tenant or field.name in fields or field.column in fields:
                model.tenant_field = field.name
                model.tenant_column = field.column
                if declared is not field:
                    model.tenant_reason = sibling_reason(field, owner, target.name if target else declared.target)
                elif points_to_tenant:
                    model.tenant_reason = f"`{field.name}` points to the tenant"
                    key_columns.add(field.column)
                else:
                    model.tenant_reason = f"`{field.name}` is the tenant's key"
                break
        if model.tenant_field is None and model.framework == "sqlalchemy":
            # A SQLAlchemy relationship to the tenant implies the key column beside it.
            for field in model.fields.values():
                if field.kind == "relationship" and field.target in tenant_names:
                    column = next((f for f in model.fields.values() if f.kind == "fk"
                                   and f.name.startswith(field.name)), None)
                    if column is not None:
                        model.tenant_field, model.tenant_column = column.name, column.column
                        model.tenant_reason = f"`{column.name}` backs the `{field.name}` relationship to the tenant"
        if model.tenant_field is None:
            _inherit_external_key(model, key, external_bases)
    _mark_plain_key_columns(models, tenant_names, key_columns)
    # A row whose key to its parent may be empty belongs to no tenant, unless empty keys are how
    # the project writes rows before save() fills them (see TenantKey.empty_key_shared), or the
    # row is deleted with its parent (Label Studio's `Task.project`, null=True, CASCADE).
    required_only = key.empty_key_shared
    changed = True
    while changed:
        changed = False
        for model in models:
            if model.is_tenant_scoped or model.is_tenant_bound or model.name in tenant_names:
                continue
            for field in sorted(model.fields.values(), key=lambda f: not f.required):
                owner, declared = relation(model, field)
                if (required_only and not (field.required or declared.cascades or _implicitly_required(model, field))) \
                        or declared.kind not in ("fk", "o2o"):
                    continue
                target = relation_target(declared, owner, by_name, by_table)
                if target is not None and target is not model and (target.is_tenant_scoped or target.is_tenant_bound):
                    model.bound_via = field.name
                    if declared is not field:
                        model.tenant_reason = sibling_reason(field, owner, target.name)
                    changed = True
                    break


def _implicitly_required(model: ModelInfo, field: FieldInfo) -> bool:
    """A SQLAlchemy column declared without `nullable=` or `Optional[...]`: its default allows
    NULL, but few projects mean it (Redash's `Alert.query_id = Column(key_type("Query"),
    db.ForeignKey("queries.id"))`); only an explicit `nullable=True` says the parent is optional."""
    return model.framework == "sqlalchemy" and not field.optional


def _mark_plain_key_columns(models: list[ModelInfo], tenant_names: set[str], key_columns: set[str]) -> None:
    """A plain column named like the foreign keys to the tenant holds the same key: sentry's
    tables outside the organization's database keep `organization_id = BoundedBigIntegerField()`,
    with no constraint to cross to it, beside the `FlexibleForeignKey(Organization)` of others."""
    for model in models:
        if model.tenant_field is not None or model.name in tenant_names:
            continue
        for field in model.fields.values():
            if field.kind == "column" and field.column in key_columns and not _a_choice(field.name):
                model.tenant_field, model.tenant_column = field.name, field.column
                model.tenant_reason = f"`{field.column}` is a column of the name the foreign keys to the tenant have"
                break


def _constrained_elsewhere(models: list[ModelInfo]) -> dict[tuple[str, str], tuple[ModelInfo, FieldInfo]]:
    """Mixin columns that some models constrain as a foreign key in `__table_args__` and all of
    them to one table: Agenta's `ProjectScopeDBA.project_id` is a key to `projects` in the tables
    that say so and in the ones that skip the constraint (spans, for their write rate) alike."""
    found: dict[tuple[str, str], tuple[ModelInfo, FieldInfo]] = {}
    targets: dict[tuple[str, str], set[str]] = {}
    for model in models:
        for field in model.fields.values():
            if field.kind == "fk" and field.owner not in ("", model.qname) and field.target:
                key = (field.owner, field.name)
                found.setdefault(key, (model, field))
                targets.setdefault(key, set()).add(field.target.split(".")[0].lower())
    return {key: value for key, value in found.items() if len(targets[key]) == 1}


# `active_organization`, `default_workspace`: which of its tenants a user works in now. A user
# of several organizations is not owned by the one selected, so the field is no tenant key.
CHOICE_WORDS = frozenset({"active", "current", "default", "selected", "last", "preferred"})


def _a_choice(name: str) -> bool:
    return name.lower().split("_", 1)[0] in CHOICE_WORDS


def tenant_words(key: TenantKey) -> set[str]:
    """Lower-case words that name the tenant in class names: `organization`, `org`, `tenant`."""
    words = {bare_name(w) for w in key.models} | {f.lower().removesuffix("_id") for f in key.fields}
    words |= {t.lower().removesuffix("s") for t in key.tables}
    return _with_short_forms(words)  # OrgMixin, OrgOwned


def _with_short_forms(words: set[str]) -> set[str]:
    """The words and the short form code writes for them: `org` for `organization`."""
    return words | {"org"} if any(w.startswith("organi") for w in words) else words


def names_the_tenant(class_name: str, words: set[str]) -> bool:
    """`OrgMixin`, `ShareableOrgMixin`, `FilterByOrganizationManaged`, `TenantScopedViewSet`."""
    name = class_name.lower()
    return any(name.startswith(word) or f"{word}mixin" in name or f"by{word}" in name or f"{word}scoped" in name
               for word in words)


def _inherit_external_key(model: ModelInfo, key: TenantKey, external_bases: set[str]) -> None:
    """`class Device(OrgMixin, models.Model)` with OrgMixin from an installed package the scan
    cannot read: a base named after the tenant carries the key field, named as configured or
    after the tenant model (`organization`)."""
    if model.framework != "django" or not (key.fields or key.models):
        return
    words = tenant_words(key)
    for base in model.inherited_bases or model.bases:
        if base in external_bases and names_the_tenant(base.rsplit(".", 1)[-1], words):
            field = key.fields[0].removesuffix("_id") if key.fields else bare_name(key.models[0])
            model.tenant_field, model.tenant_column = field, f"{field}_id"
            model.tenant_reason = f"`{field}` comes from `{base.rsplit('.', 1)[-1]}`, a base named after the tenant"
            return


def mark_scoped_tables(tables: dict[str, TableInfo], models: Iterable[ModelInfo], key: TenantKey,
                       extra_tables: Iterable[str]) -> None:
    tenant_tables = {t.lower() for t in key.tables}
    tenant_tables |= {m.table.lower() for m in models if m.name in key.models and m.table}
    known_columns = {m.tenant_column for m in models if m.tenant_column} | set(key.fields)
    for table in [t for main in tables.values() for t in (main, *main.editions.values())]:
        if table.tenant_column:
            continue
        for column, target in table.columns.items():
            if (target and target in tenant_tables) or column in known_columns:
                table.tenant_column = column
                break
    for name in extra_tables:
        table = tables.setdefault(name.lower(), TableInfo(name=name.lower()))
        table.tenant_column = table.tenant_column or _guess_column(table, known_columns)


def _guess_column(table: TableInfo, known: set[str | None]) -> str:
    for column in table.columns:
        if column in known:
            return column
    return next((c for c in sorted(known) if c), "tenant_id")


def is_tenant_lookup(key: str, names: set[str]) -> bool:
    """Whether a Django lookup such as `project__tenant__in` restricts rows to given tenants."""
    parts = key.split("__")
    if len(parts) > 1 and parts[-1] in DJANGO_LOOKUPS:
        if parts[-1] not in SCOPING_LOOKUPS:
            return False
        parts = parts[:-1]
    return any(part in names for part in parts)
