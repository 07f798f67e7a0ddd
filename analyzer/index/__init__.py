"""ProjectIndex: the facts that cross files, built once per scan before any rule runs.

A query in views.py is judged by what models.py and the SQL schema say; rules read those
facts from here and never open a file themselves.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from astroid import nodes

from ..config import Config
from ..lang.javascript import ScriptFile
from ..lang.sql import Statement
from ..workspace import path_spec
from .alembic import AlembicHistory, read_alembic
from .alembic_schema import AlembicSchema, declared_tables, replay
from .callers import always_given, caller_data_keys, caller_parameters
from .django_apps import app_labels, label_for
from .django_migrations import DjangoMigrations, read_migrations, unloaded_model_modules
from .facts import FieldInfo, ModelInfo, TableInfo, TenantKey
from .handlers import checked_dependencies, keyed_helpers, query_builders, request_reachable, view_decorators
from .managers import (
    derived_queryset_methods,
    global_criteria,
    manager_lookups,
    query_class_methods,
    scoping_methods_and_managers,
    tenant_schemas,
)
from .orm_models import declared_models
from .permissions import default_permission_classes, object_permission_classes, rest_framework_setting
from .scripts import ReadBack, credential_storage_keys
from .security import SecurityFacts, gather_security
from .serializer_uses import rechecked_serializer_fields
from .sql_tables import edition_folders, extract_tables, merge_editions
from .tenant import (
    detect_tenant,
    is_tenant_lookup,
    mark_scoped_models,
    mark_scoped_tables,
    parent_tenant_keys,
    relation_target,
)

T = TypeVar("T")

__all__ = ["FieldInfo", "ModelInfo", "ProjectIndex", "SecurityFacts", "TableInfo", "TenantKey", "build_index",
           "declared_models"]


@dataclass
class ProjectIndex:
    models: dict[str, ModelInfo] = field(default_factory=dict)  # qname -> model
    tables: dict[str, TableInfo] = field(default_factory=dict)  # lower-case name -> table
    tenant: TenantKey = field(default_factory=TenantKey)
    tenant_names: set[str] = field(default_factory=set)  # field and column names that hold the key
    scoping_methods: set[str] = field(default_factory=set)  # custom queryset methods that filter by tenant
    derived_methods: set[str] = field(default_factory=set)  # ... that hand their queryset back, not by tenant
    scoped_manager_classes: set[str] = field(default_factory=set)
    global_criteria: str = ""  # where a do_orm_execute listener adds with_loader_criteria, if any
    tenant_schemas: str = ""  # where sessions map the default schema to a tenant's own (schema_translate_map)
    request_reachable: set[str] = field(default_factory=set)  # function names a request handler can reach
    quiet_reachable: set[str] = field(default_factory=set)  # ... that only admin-like handlers reach
    view_decorators: frozenset[str] = frozenset()  # decorators on request handlers, whose wrappers run for requests
    query_builders: set[str] = field(default_factory=set)  # functions that return an unevaluated query
    keyed_helpers: set[str] = field(default_factory=set)  # functions that look a row up by a parameter
    checked_dependencies: set[str] = field(default_factory=set)  # FastAPI dependencies whose dependants check the row
    caller_parameters: frozenset[str] = frozenset()  # "f:accept_invite#email": every call site passes the caller
    caller_data_keys: frozenset[str] = frozenset()  # "ChatSerializer#application_id": always made with the caller's
    rechecked_fields: frozenset[str] = frozenset()  # "LabelBulkUpdateSerializer#project": each use checks the row
    always_given: frozenset[str] = frozenset()  # "get_optimized_queryset#queryset": every call passes it
    object_permissions: set[str] = field(default_factory=set)  # DRF permission classes that check the row
    default_permissions: tuple[str, ...] = ()  # REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"], by class name
    default_filter_backends: tuple[str, ...] = ()  # REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"], dotted paths
    security: SecurityFacts = field(default_factory=SecurityFacts)  # lockouts, throttles, CSRF, cookie auth
    credential_storage_keys: dict[str, ReadBack] = field(default_factory=dict)  # "currentUser" -> where .token is read
    django_migrations: DjangoMigrations = field(default_factory=DjangoMigrations)  # the schema migrations build
    unloaded_model_modules: set[str] = field(default_factory=set)  # models/ modules nothing imports
    alembic: AlembicHistory = field(default_factory=AlembicHistory)  # revisions and heads
    alembic_schema: AlembicSchema = field(default_factory=AlembicSchema)  # the tables at the heads
    sql_migrations: list[str] = field(default_factory=list)  # .sql files in migration folders

    def __post_init__(self) -> None:
        self._by_name: dict[str, list[ModelInfo]] = {}
        self._reindex()

    def _reindex(self) -> None:
        self._by_name = {}
        for model in self.models.values():
            self._by_name.setdefault(model.name, []).append(model)
            if model.name.lower() != model.name:
                self._by_name.setdefault(model.name.lower(), []).append(model)
        self._by_table = models_by_table(self.models.values())

    def node_memo(self, name: str) -> weakref.WeakKeyDictionary:
        """Answers about syntax nodes that depend on the trees and this index alone, kept for as
        long as both live: a rule asks them at every call site, from every file. Not a fact of
        the index (no field), so it is neither fingerprinted nor printed. A caller that replaces
        a tree while keeping the index (the language server) calls `forget_node_answers`: an
        answer about one node may hold what inference found in another module."""
        return self.__dict__.setdefault(f"_memo_{name}", weakref.WeakKeyDictionary())

    def derived(self, name: str, work_out: Callable[[ProjectIndex], T]) -> T:
        """A fact worked out from the index's own facts, once per index: a rule that asks it of
        every class would otherwise pay for it again each time. Not a field, so neither
        fingerprinted nor printed."""
        key = f"_derived_{name}"
        if key not in self.__dict__:
            self.__dict__[key] = work_out(self)
        return self.__dict__[key]

    def forget_node_answers(self) -> None:
        for name in [name for name in self.__dict__ if name.startswith("_memo_")]:
            del self.__dict__[name]

    def relation_target(self, owner: ModelInfo, field_info: FieldInfo) -> ModelInfo | None:
        """The model a relation of `owner` points to: by class, string or table reference."""
        return relation_target(field_info, owner, self._by_name, self._by_table)

    def model(self, qname: str) -> ModelInfo | None:
        return self.models.get(qname)

    def models_named(self, name: str, ignore_case: bool = False) -> list[ModelInfo]:
        """Models of that class name. Django's string references ("app.WorkSpace") ignore case;
        Python names do not, so only relation targets ask for `ignore_case`."""
        found = [m for m in self._by_name.get(name, []) if m.name == name]
        if not found and ignore_case:
            found = self._by_name.get(name.lower(), [])
        return found

    def table(self, name: str, path: str = "") -> TableInfo | None:
        """The table `name`, as the schema edition that the file at `path` belongs to defines it."""
        info = self.tables.get(name.lower().strip('"`[]'))
        if info is not None and path and info.editions:
            folder = max((f for f in info.editions if path.startswith(f)), key=len, default="")
            return info.editions[folder] if folder else info
        return info

    def is_tenant_lookup(self, key: str) -> bool:
        return is_tenant_lookup(key, self.tenant_names)

    @property
    def scoped_models(self) -> list[ModelInfo]:
        return [m for m in self.models.values() if m.is_tenant_scoped and not m.abstract]


def build_index(python: Iterable[tuple[str, nodes.Module]], sql: Iterable[tuple[str, list[Statement], str]],
                config: Config, scripts: Iterable[tuple[str, ScriptFile]] = ()) -> ProjectIndex:
    python = list(python)
    sql = list(sql)
    candidates: dict[str, ModelInfo] = {}
    labels = app_labels(python)
    for relpath, module in python:
        for info in declared_models(relpath, module):
            if info.qname not in candidates:
                candidates[info.qname] = _with_declared_label(_own_copy(info), labels)
    models = _resolve_inheritance(candidates)
    migration_paths = path_spec(config.migrations.paths)
    for model in models:
        model.snapshot = migration_paths.match_file(model.path)
    by_name = _names(models)
    by_table = models_by_table(models)
    tables = _tables(models, sql, by_name)

    key = detect_tenant(models, tables, config.tenant, by_name, by_table, manager_lookups(python))
    known = {m.qname for m in models} | {m.name for m in models}
    external = {b for m in models for b in m.inherited_bases if b not in known and b.rsplit(".", 1)[-1] not in known}
    mark_scoped_models(models, key, by_name, by_table, external)
    mark_scoped_tables(tables, models, key, config.tenant.tables)
    tenant_names = set(key.fields)
    for model in models:
        table = tables.get(model.table.lower()) if model.table else None
        if model.tenant_column and table is not None:
            table.tenant_column = model.tenant_column.lower()
        if model.tenant_field:
            tenant_names.update({model.tenant_field, model.tenant_column or model.tenant_field})

    tenant_names |= parent_tenant_keys(key, models, by_name, by_table)
    index = ProjectIndex(models={m.qname: m for m in models}, tables=tables, tenant=key, tenant_names=tenant_names)
    methods, managers = scoping_methods_and_managers(python, index)
    index.scoping_methods = methods | set(config.tenant.scoped_managers)
    index.scoped_manager_classes = managers
    index.derived_methods = derived_queryset_methods(python, index) - index.scoping_methods
    for qname, query_methods in query_class_methods(python, index).items():
        if qname in index.models:
            index.models[qname].scoped_query_methods = query_methods
    index.global_criteria = global_criteria(python)
    index.tenant_schemas = tenant_schemas(python)
    if index.tenant_schemas:
        for model in models:  # tables in the default schema live in one schema per tenant
            if model.framework == "sqlalchemy" and not model.schema and (model.is_tenant_scoped
                                                                         or model.is_tenant_bound):
                model.auto_scoped = True
    index.query_builders = query_builders(python)
    index.keyed_helpers = keyed_helpers(python)
    index.checked_dependencies = checked_dependencies(python, tenant_names)
    index.caller_parameters = caller_parameters(python)
    index.caller_data_keys = caller_data_keys(python)
    index.rechecked_fields = rechecked_serializer_fields(python)
    index.always_given = always_given(python)
    index.object_permissions = object_permission_classes(python)
    index.default_permissions = default_permission_classes(python)
    index.default_filter_backends = rest_framework_setting(python, "DEFAULT_FILTER_BACKENDS")
    index.security = gather_security(python)
    index.credential_storage_keys = credential_storage_keys(scripts)
    index.django_migrations = read_migrations(python, labels)
    index.unloaded_model_modules = unloaded_model_modules(python)
    index.alembic = read_alembic(python)
    revisions = {revision.path for revision in index.alembic.revisions.values()}
    index.alembic_schema = replay(index.alembic, {path: module for path, module in python if path in revisions})
    tables = declared_tables(python)  # read whether or not this part of the project has revisions
    if revisions:
        index.alembic_schema.declared_tables = tables
    index.sql_migrations = sorted(path for path, _, _ in sql if migration_paths.match_file(path))
    warning_paths = path_spec(config.tenant.warning_paths)
    index.request_reachable, index.quiet_reachable = request_reachable(python, warning_paths.match_file)
    index.view_decorators = view_decorators(python)
    for model in models:
        for attribute, manager in model.managers.items():
            if manager in managers or attribute in config.tenant.scoped_managers:
                model.scoped_managers.add(attribute)
    return index


def _own_copy(model: ModelInfo) -> ModelInfo:
    """A copy of a declared model for the index to complete in place (its table, its tenant,
    its inherited fields), leaving the declared one as it was read: the containers the index
    fills are the copy's own, and the fields it changes it replaces, never alters."""
    return replace(model, bases=list(model.bases), inherited_bases=list(model.inherited_bases),
                   fields=dict(model.fields), managers=dict(model.managers), scope_lookups=dict(model.scope_lookups),
                   shadowed=set(model.shadowed), foreign_keys=dict(model.foreign_keys),
                   scoped_managers=set(model.scoped_managers))


def models_by_table(models: Iterable[ModelInfo]) -> dict[str, ModelInfo]:
    """The model that maps each table. A copy of a model kept in a migration folder (Alembic
    data migrations freeze one) stands in only when the application declares none."""
    found: dict[str, ModelInfo] = {}
    for model in models:
        if model.table and not model.abstract and (not model.snapshot or model.table.lower() not in found):
            found[model.table.lower()] = model
    return found


def _with_declared_label(model: ModelInfo, labels: dict[str, str]) -> ModelInfo:
    """A Django model of an app whose AppConfig declares its label takes that label, and the
    default table name made from it."""
    label = label_for(model.path, labels) if model.framework == "django" and not model.app_label_declared else None
    if label:
        model.app_label = label
        if not model.table_declared:
            model.table = f"{label}_{model.name.lower()}"
    return model


def _names(models: list[ModelInfo]) -> dict[str, list[ModelInfo]]:
    """Models by class name, and by lower-cased name: Django's "app.ModelName" ignores case."""
    by_name: dict[str, list[ModelInfo]] = {}
    for model in models:
        by_name.setdefault(model.name, []).append(model)
    for model in models:
        same = by_name.setdefault(model.name.lower(), [])
        if model not in same:
            same.append(model)
    return by_name


def _tables(models: list[ModelInfo], sql: Iterable[tuple[str, list[Statement], str]],
            by_name: dict[str, list[ModelInfo]]) -> dict[str, TableInfo]:
    """Tables from CREATE TABLE statements and from the models, with their foreign keys."""
    sql = list(sql)
    folders = edition_folders(relpath for relpath, _, _ in sql)
    by_edition: dict[str, dict[str, TableInfo]] = {}
    for relpath, statements, text in sql:
        edition = next((folder for folder in folders if relpath.startswith(folder)), "")
        for table in extract_tables(statements, relpath, text):
            known = by_edition.setdefault(edition, {}).setdefault(table.name, table)
            if known is not table:
                known.columns.update(table.columns)
    tables = merge_editions(by_edition)
    for model in models:
        if model.abstract or not model.table:
            continue
        table = tables.setdefault(model.table.lower(), TableInfo(name=model.table.lower(), path=model.path,
                                                                 line=model.line))
        if table.model is None or not model.snapshot:
            table.model = model.qname
        keys = [f.column.lower() for f in model.fields.values() if f.is_primary_key]
        if len(keys) == 1:
            table.primary_key = keys[0]
        for f in model.fields.values():
            if f.kind in ("m2m", "relationship"):
                continue
            target = None
            if f.kind in ("fk", "o2o"):
                name = (f.target or "").split(".")[-1]
                target_model = (by_name.get(name) or by_name.get(name.lower()) or [None])[0]
                if target_model is not None and target_model.table:
                    target = target_model.table.lower()
                elif model.framework == "sqlalchemy":
                    target = (f.target or "").split(".")[0].lower()
            table.columns.setdefault(f.column.lower(), target)
    return tables


# A base imported from these is the framework's class, never a project class of the same name:
# `django.db.models.Model` is not MaxKB's LLM registry model `Model`. A base from the project is
# matched by name when its import path is not the module's (`sentry.db.models.Model`, re-exported).
FRAMEWORK_PACKAGES = frozenset({"django", "sqlalchemy", "flask_sqlalchemy", "sqlmodel", "rest_framework", "pydantic"})


def _resolve_inheritance(candidates: dict[str, ModelInfo]) -> list[ModelInfo]:
    """Keep the classes that are models (declared or by ancestry) and give them inherited fields."""
    by_name: dict[str, list[ModelInfo]] = {}
    for info in candidates.values():
        by_name.setdefault(info.name, []).append(info)

    def parents(info: ModelInfo) -> list[ModelInfo]:
        found = []
        for base in info.bases:
            parent = candidates.get(base)
            if parent is None and base.split(".", 1)[0] not in FRAMEWORK_PACKAGES:
                same = by_name.get(base.rsplit(".", 1)[-1], [])
                parent = same[0] if len(same) == 1 else None
            if parent is not None and parent is not info:
                found.append(parent)
        return found

    lineage: dict[str, list[ModelInfo]] = {}

    def ancestors(info: ModelInfo) -> list[ModelInfo]:
        """Nearest first, left to right, as Python's method resolution order would reach them:
        a walk of the bases, depth first, each class once, with a stack of its own (a chain of
        a thousand generated classes is deeper than Python's recursion)."""
        if info.qname not in lineage:
            order: list[ModelInfo] = []
            placed = {info.qname}
            stack = list(reversed(parents(info)))
            while stack:
                parent = stack.pop()
                if parent.qname in placed:
                    continue
                placed.add(parent.qname)
                order.append(parent)
                stack.extend(reversed(parents(parent)))
            lineage[info.qname] = order
        return lineage[info.qname]

    def is_model(info: ModelInfo) -> bool:
        return info.declared or any(ancestor.declared for ancestor in ancestors(info))

    framework_scoped = {info.qname: info.auto_scoped for info in candidates.values()}  # before any is resolved
    models = []
    for info in candidates.values():
        if not is_model(info):
            continue
        fields: dict[str, FieldInfo] = {}
        managers: dict[str, str] = {}
        chain = ancestors(info)
        info.inherited_bases = list(info.bases)
        for ancestor in chain:
            info.inherited_bases += ancestor.bases
            info.auto_scoped = info.auto_scoped or framework_scoped[ancestor.qname]
            if ancestor.framework == "sqlalchemy" and not info.table and ancestor.table and not ancestor.abstract:
                info.table = ancestor.table  # single-table inheritance
            info.schema = info.schema or ancestor.schema
        scope_lookups: dict[str, str] = {}
        for level in (*reversed(chain), info):  # the nearest class wins, as in Python
            fields.update({name: f for name, f in level.fields.items() if f.owner in (level.qname, "")})
            managers.update(level.managers)
            for attribute in level.managers:  # a plain manager replaces an inherited scoped one
                scope_lookups.pop(attribute, None)
            scope_lookups.update(level.scope_lookups)
            for name in level.shadowed:
                fields.pop(name, None)
        info.scope_lookups = scope_lookups
        info.auto_scoped = info.auto_scoped or "objects" in scope_lookups
        for level in (*reversed(chain), info):
            for column, target in level.foreign_keys.items():
                name = next((n for n, f in fields.items() if f.column == column and f.kind == "column"), None)
                if name is not None:
                    fields[name] = replace(fields[name], kind="fk", target=target)
        info.fields = fields
        info.managers = managers
        if info.framework == "sqlalchemy" and info.table:
            info.abstract = False
        models.append(info)
    return models
