"""Django's migration history, replayed without Django: the schema the migrations would build.

`makemigrations --check` needs settings, an importable project and often a database. Here
every app's `migrations/` modules are read as syntax: their dependencies form a graph (with
squashed migrations standing in for, or standing aside from, the ones they replace), and their
operations are replayed in dependency order into a state of models and fields. RunPython and
RunSQL change data, not the state, so they are skipped, as Django skips them.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from astroid import nodes

from ..lang.python import const_text, dotted_name, imported_modules, keyword_argument, safe_infer
from .django_apps import label_for
from .django_schema import field_type, schema_options
from .facts import ModelInfo
from .kept import keep, module_fact

Node = tuple[str, str]  # (app label, migration name)


@dataclass
class MigratedField:
    name: str
    type: str
    options: dict[str, object]
    path: str  # the migration that last set it
    line: int


@dataclass
class MigratedModel:
    app: str
    name: str
    fields: dict[str, MigratedField] = field(default_factory=dict)
    table: str | None = None
    managed: bool = True
    proxy: bool = False
    path: str = ""
    line: int = 0


@dataclass
class FieldChange:
    """An AlterField, with the field as the migrations had it just before."""

    path: str  # the migration file
    line: int  # of the AlterField call
    model: str
    field: str
    before: MigratedField
    after: MigratedField


@dataclass
class Migration:
    app: str
    name: str
    path: str
    dependencies: list[Node] = field(default_factory=list)
    replaces: list[Node] = field(default_factory=list)
    run_before: list[Node] = field(default_factory=list)


@dataclass
class DjangoMigrations:
    migrations: dict[Node, Migration] = field(default_factory=dict)
    models: dict[tuple[str, str], MigratedModel] = field(default_factory=dict)  # (app, model lower) -> state
    leaves: dict[str, list[str]] = field(default_factory=dict)  # app -> its leaf migrations
    roots: dict[str, str] = field(default_factory=dict)  # folder holding a migrations package -> app label
    class_names: dict[str, set[str]] = field(default_factory=dict)  # app -> lower-cased names of its classes
    changes: list[FieldChange] = field(default_factory=list)  # every AlterField, in replay order

    @property
    def apps(self) -> set[str]:
        return {app for app, _ in self.migrations}

    def app_of(self, path: str) -> str | None:
        """The app a file belongs to: that of the nearest folder above it with migrations.
        `baserow/core/integrations/models.py` is the `core` app's, not an `integrations` app."""
        return label_for(path, self.roots)

    def label(self, model: ModelInfo) -> str:
        """A model's app label: the folder's, unless its Meta names another."""
        return model.app_label if model.app_label_declared else (self.app_of(model.path) or model.app_label)

    def model(self, app: str, name: str) -> MigratedModel | None:
        return self.models.get((app, name.lower()))

    def changes_in(self, path: str) -> list[FieldChange]:
        """The AlterFields of one migration file, in replay order. The rules of every migration
        ask: looking through all of them for each was a million comparisons on saleor. Kept
        beside the fields, so neither compared nor fingerprinted."""
        by_path = self.__dict__.get("_changes_by_path")
        if by_path is None:
            by_path = self.__dict__["_changes_by_path"] = {}
            for change in self.changes:
                by_path.setdefault(change.path, []).append(change)
        return by_path.get(path, [])


def unloaded_model_modules(modules: Iterable[tuple[str, nodes.Module]]) -> set[str]:
    """Modules of a `models` package that nothing imports: Django never loads their classes, so
    makemigrations never sees them (jumpserver's `assets/models/cmd_filter.py`)."""
    candidates = {module.name for relpath, module in modules
                  if "models" in relpath.split("/")[:-1] and not relpath.endswith("__init__.py")}
    imported = set().union(*(imported_modules(module) for _, module in modules))  # known of each part alike
    return {name for name in candidates if name not in imported}


DJANGO_MODEL_BASES = frozenset({"Model", "AbstractUser", "AbstractBaseUser", "PermissionsMixin", "PolymorphicModel",
                                "MPTTModel", "TimeStampedModel"})


def is_loaded_django_model(model: ModelInfo, unloaded_modules: set[str]) -> bool:
    """A concrete, managed Django model that Django loads: a model by its ancestry (not only by
    having fields: `class Median(Aggregate)` with an `output_field` is none), declared in a models
    module (a FilterSet named like a model in filters.py is none) that something imports."""
    if model.framework != "django" or model.abstract or not model.managed or model.proxy:
        return False
    if model.qname.rsplit(".", 1)[0] in unloaded_modules:
        return False
    folders, stem = model.path.split("/")[:-1], model.path.rsplit("/", 1)[-1].removesuffix(".py")
    if stem != "models" and "models" not in folders:
        return False
    return any(base.rsplit(".", 1)[-1] in DJANGO_MODEL_BASES for base in model.inherited_bases)


def is_migration_module(relpath: str) -> bool:
    path = PurePosixPath(relpath)
    return len(path.parts) >= 2 and path.parts[-2] == "migrations" and path.suffix == ".py" \
        and path.stem != "__init__"


def read_migrations(modules: Iterable[tuple[str, nodes.Module]],
                    labels: dict[str, str] | None = None) -> DjangoMigrations:
    """Every app's migrations, replayed in dependency order. `labels` maps app folders to the
    label their AppConfig declares; other apps are known by their folder's name."""
    modules = list(modules)
    labels = labels or {}
    history = DjangoMigrations()
    read: dict[Node, MigrationFacts] = {}
    for relpath, module in modules:
        if not is_migration_module(relpath):
            continue
        facts = module_fact(module, "django_migration", lambda module, relpath=relpath: _migration(relpath, module))
        if facts is None:
            continue
        path = PurePosixPath(relpath)
        folder = "/".join(path.parts[:-2])
        app = labels.get(folder) or (path.parts[-3] if len(path.parts) >= 3 else "")
        migration = Migration(app, path.stem, relpath, list(facts.dependencies), list(facts.replaces),
                              list(facts.run_before))
        history.roots[folder] = app
        history.migrations[(app, migration.name)] = migration
        read[(app, migration.name)] = facts
    order = _order(history)
    for node in order:
        for operation in read[node].operations:
            _apply(operation, history.migrations[node], history.models, history.changes)
    history.leaves = _leaves(history, order)
    for relpath, module in modules:  # every class of every app, model or not as far as we can tell
        if is_migration_module(relpath):
            continue
        names = module_fact(module, "class_names", _class_names)  # of every module: which are an app's
        app = history.app_of(relpath)                               # depends on the rest of the project
        if app is not None:
            history.class_names.setdefault(app, set()).update(names)
    return history


def _class_names(module: nodes.Module) -> frozenset[str]:
    return frozenset(c.name.lower() for c in module.body if isinstance(c, nodes.ClassDef))


@dataclass(frozen=True)
class Operation:
    """One operation of a migration, with what replaying it needs, read from its syntax."""

    kind: str  # CreateModel, AddField, ...
    line: int
    name: str | None = None  # the model's: `name` or `model_name`, as the kind names it
    field_name: str | None = None  # AddField, AlterField, RemoveField
    old: str | None = None  # RenameModel, RenameField
    new: str | None = None
    fields: tuple[MigratedField, ...] = ()  # CreateModel
    field: MigratedField | None = None  # AddField, AlterField: None when not a field's constructor
    table: str | None = None  # AlterModelTable
    options: tuple[tuple[str, str | bool | None], ...] = ()  # "table", "managed", "proxy", as set in order
    state: tuple[Operation, ...] = ()  # SeparateDatabaseAndState's state_operations


@dataclass(frozen=True)
class MigrationFacts:
    dependencies: tuple[Node, ...]
    replaces: tuple[Node, ...]
    run_before: tuple[Node, ...]
    operations: tuple[Operation, ...]


def _migration(relpath: str, module: nodes.Module) -> MigrationFacts | None:
    cls = next((c for c in module.body if isinstance(c, nodes.ClassDef) and c.name == "Migration"), None)
    if cls is None:
        return None
    declared: dict[str, tuple[Node, ...]] = {}
    for statement in cls.body:
        if isinstance(statement, nodes.Assign) and isinstance(statement.targets[0], nodes.AssignName):
            name = statement.targets[0].name
            if name in ("dependencies", "replaces", "run_before"):
                declared[name] = tuple(_pairs(statement.value))
    return MigrationFacts(declared.get("dependencies", ()), declared.get("replaces", ()),
                          declared.get("run_before", ()), tuple(_operation(call, relpath) for call in operations(cls)))


keep("django_migration", MigrationFacts | None, loose=True)
keep("class_names", frozenset[str])


ANY_APP = "*"  # `(model_app_label, "0001_initial")`: an app label computed at run time


def _pairs(value: nodes.NodeNG) -> list[Node]:
    found = []
    for element in getattr(value, "elts", ()):
        if not (isinstance(element, nodes.Tuple) and len(element.elts) == 2):
            continue
        app, name = (const_text(e) or const_text(safe_infer(e)) for e in element.elts)
        if name:
            found.append((app or ANY_APP, name))
    return found


def _order(history: DjangoMigrations) -> list[Node]:
    """Migrations in an order Django could apply them: dependencies first, ties by name."""
    migrations = history.migrations
    active = set(migrations)
    for node, migration in migrations.items():
        if migration.replaces:
            if all(r in migrations for r in migration.replaces):
                active.discard(node)  # the originals are all here: the squash stands aside
            else:
                active -= set(migration.replaces)
    by_app: dict[str, list[str]] = {}
    for app, name in sorted(active):
        by_app.setdefault(app, []).append(name)

    def resolve(target: Node, own_app: str = "") -> Node | None:
        app, name = target
        if app == ANY_APP:
            app = own_app
            target = (app, name)
        if name == "__first__":
            return (app, by_app[app][0]) if by_app.get(app) else None
        if name == "__latest__":
            return (app, by_app[app][-1]) if by_app.get(app) else None
        if target in active:
            return target
        for node, migration in migrations.items():  # a dependency on a replaced migration: its squash
            if node in active and target in migration.replaces:
                return node
        return None

    edges: dict[Node, set[Node]] = {node: set() for node in active}
    for node in active:
        migration = migrations[node]
        for dependency in migration.dependencies:
            resolved = resolve(dependency, node[0])
            if resolved is not None and resolved != node:
                edges[node].add(resolved)
        for later in migration.run_before:
            resolved = resolve(later)
            if resolved is not None and resolved != node:
                edges[resolved].add(node)
    waiting = {node: len(deps) for node, deps in edges.items()}
    dependents: dict[Node, list[Node]] = {node: [] for node in active}
    for node, deps in edges.items():
        for dependency in deps:
            dependents[dependency].append(node)
    ready = [node for node, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for dependent in dependents[node]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    order.extend(sorted(node for node, count in waiting.items() if count > 0))  # a cycle: keep going
    return order


def _leaves(history: DjangoMigrations, order: list[Node]) -> dict[str, list[str]]:
    """Per app, the migrations no other migration of that app depends on (Django's leaf nodes:
    a dependency from another app does not make a migration any less the app's latest)."""
    depended = {(node[0], dep[1]) for node in order for dep in history.migrations[node].dependencies
                if dep[0] in (node[0], ANY_APP)}
    depended |= {r for node in order for r in history.migrations[node].replaces}
    leaves: dict[str, list[str]] = {}
    for app, name in order:
        if (app, name) not in depended:
            leaves.setdefault(app, []).append(name)
    return leaves


# -- replaying operations ------------------------------------------------------------------------

OPERATION_ARGUMENTS = {
    "CreateModel": ("name", "fields", "options", "bases", "managers"),
    "DeleteModel": ("name",),
    "RenameModel": ("old_name", "new_name"),
    "AlterModelTable": ("name", "table"),
    "AlterModelOptions": ("name", "options"),
    "AddField": ("model_name", "name", "field", "preserve_default"),
    "RemoveField": ("model_name", "name"),
    "AlterField": ("model_name", "name", "field", "preserve_default"),
    "RenameField": ("model_name", "old_name", "new_name"),
    "SeparateDatabaseAndState": ("database_operations", "state_operations"),
}


def operations(cls: nodes.ClassDef) -> list[nodes.Call]:
    for statement in cls.body:
        if isinstance(statement, nodes.Assign) and isinstance(statement.targets[0], nodes.AssignName) and \
                statement.targets[0].name == "operations":
            return [op for op in getattr(statement.value, "elts", ()) if isinstance(op, nodes.Call)]
    return []


def operation_name(call: nodes.Call) -> str:
    return (dotted_name(call.func) or "").rsplit(".", 1)[-1]


def argument(call: nodes.Call, name: str) -> nodes.NodeNG | None:
    """An operation's argument by name, whether passed by keyword or by position."""
    given = keyword_argument(call, name)
    if given is not None:
        return given
    names = OPERATION_ARGUMENTS.get(operation_name(call), ())
    if name in names and names.index(name) < len(call.args):
        return call.args[names.index(name)]
    return None



def _operation(call: nodes.Call, path: str) -> Operation:
    kind = operation_name(call)
    line = call.lineno or 0
    if kind == "SeparateDatabaseAndState":
        return Operation(kind, line, state=tuple(_operation(inner, path) for inner in getattr(
            argument(call, "state_operations"), "elts", ()) if isinstance(inner, nodes.Call)))
    name = const_text(argument(call, "name")) if kind in ("CreateModel", "DeleteModel", "AlterModelTable",
                                                      "AlterModelOptions") else const_text(argument(call, "model_name"))
    if kind == "CreateModel" and name:
        fields = tuple(_field(const_text(element.elts[0]) or "", element.elts[1], name, path)
                       for element in getattr(argument(call, "fields"), "elts", ())
                       if isinstance(element, nodes.Tuple) and len(element.elts) == 2
                       and const_text(element.elts[0]) and isinstance(element.elts[1], nodes.Call))
        return Operation(kind, line, name, fields=fields, options=_options(argument(call, "options")))
    if kind in ("RenameModel", "RenameField"):
        return Operation(kind, line, name, old=const_text(argument(call, "old_name")),
                         new=const_text(argument(call, "new_name")))
    if kind == "AlterModelTable":
        return Operation(kind, line, name, table=const_text(argument(call, "table")))
    if kind == "AlterModelOptions":
        return Operation(kind, line, name, options=_options(argument(call, "options")))
    if kind in ("AddField", "AlterField", "RemoveField"):
        field_name = const_text(argument(call, "name"))
        value = argument(call, "field")
        made = _field(field_name, value, name, path) if field_name and name and isinstance(value, nodes.Call) else None
        return Operation(kind, line, name, field_name=field_name, field=made)
    return Operation(kind, line, name)


def _apply(operation: Operation, migration: Migration, models: dict[tuple[str, str], MigratedModel],
           changes: list[FieldChange]) -> None:
    kind, name, app = operation.kind, operation.name, migration.app
    if kind == "SeparateDatabaseAndState":
        for inner in operation.state:
            _apply(inner, migration, models, [])  # state only: the database does not change
        return
    if kind == "CreateModel" and name:
        model = MigratedModel(app, name, path=migration.path, line=operation.line)
        for state in operation.fields:
            model.fields[state.name] = _fresh(state)
        _set_options(model, operation.options)
        models[(app, name.lower())] = model
    elif kind == "DeleteModel" and name:
        models.pop((app, name.lower()), None)
    elif kind == "RenameModel":
        old, new = operation.old, operation.new
        model = models.pop((app, (old or "").lower()), None)
        if model is not None and new:
            model.name = new
            models[(app, new.lower())] = model
            for other in models.values():  # Django repoints the relations to the renamed model
                for state in other.fields.values():
                    if state.options.get("to") == (old or "").lower():
                        state.options["to"] = new.lower()
    elif kind in ("AlterModelTable", "AlterModelOptions") and name and (app, name.lower()) in models:
        model = models[(app, name.lower())]
        if kind == "AlterModelTable":
            model.table = operation.table
        else:
            _set_options(model, operation.options)
    elif kind in ("AddField", "AlterField") and name and (app, name.lower()) in models:
        field_name = operation.field_name
        if field_name and operation.field is not None:
            fields = models[(app, name.lower())].fields
            after = _fresh(operation.field)
            if kind == "AlterField" and field_name in fields:
                changes.append(FieldChange(migration.path, operation.line, name.lower(), field_name,
                                           fields[field_name], after))
            fields[field_name] = after
    elif kind == "RemoveField" and name and (app, name.lower()) in models:
        models[(app, name.lower())].fields.pop(operation.field_name or "", None)
    elif kind == "RenameField" and name and (app, name.lower()) in models:
        fields = models[(app, name.lower())].fields
        old, new = operation.old, operation.new
        moved = fields.pop(old or "", None)
        if moved is not None and new:
            moved.name = new
            fields[new] = moved


def _fresh(state: MigratedField) -> MigratedField:
    """A field's state of its own: replaying renames it and repoints its relation in place."""
    return replace(state, options=dict(state.options))


def _field(name: str, call: nodes.Call, model: str, path: str) -> MigratedField:
    return MigratedField(name, field_type(call), schema_options(call, model), path, call.lineno or 0)


def _options(options: nodes.NodeNG | None) -> tuple[tuple[str, str | bool | None], ...]:
    """What a model's `options` set: its table, whether Django manages it, whether it is a proxy."""
    if not isinstance(options, nodes.Dict):
        return ()
    found: list[tuple[str, str | bool | None]] = []
    for key, value in options.items:
        if not isinstance(key, nodes.Const):
            continue
        if key.value == "db_table":
            found.append(("table", const_text(value)))
        elif key.value == "managed" and isinstance(value, nodes.Const):
            found.append(("managed", value.value is not False))
        elif key.value == "proxy" and isinstance(value, nodes.Const):
            found.append(("proxy", value.value is True))
    return tuple(found)


def _set_options(model: MigratedModel, options: tuple[tuple[str, str | bool | None], ...]) -> None:
    for name, value in options:
        setattr(model, name, value)
