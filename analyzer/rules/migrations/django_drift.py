"""MIG001: a Django model that its migrations do not build."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes

from ...config import Config
from ...index import ModelInfo, ProjectIndex
from ...index.django_migrations import MigratedModel, is_loaded_django_model
from ...index.django_schema import BUILTIN_FIELDS, differences
from ...lang.python import Positions, single_assignment
from ...model import Finding, Severity, Span
from ...workspace import is_test_file
from ..base import Rule, RuleContext
from . import DJANGO_MIGRATIONS_DOCS

AUTO_FIELDS = frozenset({"id"})


class UnmigratedDjangoModel(Rule):
    """A Django model or field differs from what its migrations build.

    ## Why is this bad?
    The schema your server runs on is the one the migrations build, not the one `models.py`
    describes. A field added to a model without its migration works on the laptop where the
    column was made by hand, then fails on every other database with `column does not exist`;
    a `max_length` raised in the model but not in a migration truncates or rejects data in
    production only. prodready replays every app's migrations (dependencies, squashed
    migrations, `SeparateDatabaseAndState`) without Django and compares the result with the
    models: missing models and fields, fields the models dropped, and changes to the options that
    reach the database (type, `max_length`, `null`, `unique`, `db_index`, `primary_key`,
    `db_column`, `max_digits`, `decimal_places`, relation target, `db_table`). Options that change
    no schema (`help_text`, `verbose_name`, `blank`, `choices`, `default`) are ignored, as are
    unmanaged and proxy models and apps with no migrations at all (MIG005).

    ## Example
    ```python
    # billing/migrations/0001_initial.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        initial = True
        operations = [
            migrations.CreateModel(
                name="Invoice",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                    ("number", models.CharField(max_length=30)),
                ],
            ),
        ]

    # billing/models.py
    from django.db import models


    class Invoice(models.Model):
        number = models.CharField(max_length=30)
        discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    ```

    ## Use instead
    ```python
    # billing/migrations/0001_initial.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        initial = True
        operations = [
            migrations.CreateModel(
                name="Invoice",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                    ("number", models.CharField(max_length=30)),
                ],
            ),
        ]

    # billing/migrations/0002_invoice_discount.py
    # written by `python manage.py makemigrations billing`
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("billing", "0001_initial")]
        operations = [
            migrations.AddField(
                model_name="invoice",
                name="discount",
                field=models.DecimalField(max_digits=12, decimal_places=2, default=0),
            ),
        ]

    # billing/models.py
    from django.db import models


    class Invoice(models.Model):
        number = models.CharField(max_length=30)
        discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    ```
    """

    code = "MIG001"
    name = "unmigrated-django-model"
    severity = Severity.ERROR
    languages = ("python",)
    references = (DJANGO_MIGRATIONS_DOCS,)
    node_types = (nodes.ClassDef, nodes.Module)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return not is_test_file(relpath)  # a test's models are not the project's schema

    def applies_to(self, ctx: RuleContext) -> bool:
        return bool(ctx.index.django_migrations.migrations) and super().applies_to(ctx)

    def check(self, node: nodes.NodeNG, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if isinstance(node, nodes.Module):
            yield from self._deleted_models(node, ctx, positions)
            return
        model = ctx.index.model(f"{node.root().name}.{node.name}")
        if model is None or not _checked(model, ctx.index):
            return
        app = ctx.index.django_migrations.label(model)
        migrated = ctx.index.django_migrations.model(app, model.name)
        command = f"`python manage.py makemigrations {app}`"
        if migrated is None:
            yield ctx.finding(self, positions.name_span(node),
                              f"`{model.name}` is in no migration of `{app}`: {command} would write CreateModel")
            return
        yield from self._fields(node, model, migrated, ctx, positions, command)
        if (model.table_declared or None) != (migrated.table or None):
            yield ctx.finding(self, positions.name_span(node),
                              f"`{model.name}` uses table `{model.table_declared or 'the default'}` but its "
                              f"migrations say `{migrated.table or 'the default'}`: {command} would write "
                              "AlterModelTable")

    def _fields(self, cls: nodes.ClassDef, model: ModelInfo, migrated: MigratedModel, ctx: RuleContext,
                positions: Positions, command: str) -> Iterator[Finding]:
        owners = _table_owners(model, ctx.index)
        declared = {name: info for name, info in model.fields.items()
                    if info.type and info.owner in owners and not (name in AUTO_FIELDS and
                                                                    not info.options.get("primary_key"))}
        for name, info in declared.items():
            span = _field_span(cls, info.line, positions) if info.owner == model.qname else positions.name_span(cls)
            state = migrated.fields.get(name)
            if state is None:
                yield ctx.finding(self, span, f"`{model.name}.{name}` is in no migration: {command} would write "
                                              "AddField")
                continue
            if info.type not in BUILTIN_FIELDS or state.type not in BUILTIN_FIELDS:
                continue  # a package's or the project's field class may set its options itself
            if state.type != info.type:
                yield ctx.finding(self, span, f"`{model.name}.{name}` is a {info.type} in the model but a "
                                              f"{state.type} in the migrations: {command} would write AlterField")
                continue
            options = dict(info.options)
            if options.get("to") == "self":
                options["to"] = model.name.lower()
            changed = differences(options, state.options)
            if changed:
                described = ", ".join(f"{option} {ours!r} in the model, {theirs!r} in the migrations"
                                      for option, ours, theirs in changed)
                yield ctx.finding(self, span, f"`{model.name}.{name}` differs from its migrations ({described}): "
                                              f"{command} would write AlterField")
        if _external_bases(model, ctx.index):
            return  # fields inherited from a package's abstract model are not known here
        # `object_id = GenericObjectID()`: a project's field class whose base we could not follow.
        assigned = {target for target, value in map(single_assignment, cls.body) if isinstance(value, nodes.Call)}
        for name in migrated.fields:
            if name not in declared.keys() | assigned and name not in AUTO_FIELDS and not name.endswith("_ptr"):
                yield ctx.finding(self, positions.name_span(cls),
                                  f"`{model.name}.{name}` is in the migrations but no longer in the model: {command} "
                                  "would write RemoveField")

    def _deleted_models(self, module: nodes.Module, ctx: RuleContext, positions: Positions) -> Iterator[Finding]:
        """Migrated models that no class declares any more, reported on the app's models module."""
        history = ctx.index.django_migrations
        parts = ctx.relpath.split("/")
        app = history.roots.get("/".join(parts[:-1])) if parts[-1] == "models.py" else None
        if app is None:  # only the app's own models.py, next to its migrations package
            return
        declared = {m.name.lower() for m in ctx.index.models.values()
                    if m.framework == "django" and history.label(m) == app}
        # A class of that name anywhere in the app whose model-ness could not be proven (bases from a
        # package, a base name shared with Django's generic View).
        declared |= history.class_names.get(app, set())
        for (model_app, name), state in sorted(history.models.items()):
            if model_app == app and name not in declared and not _generated(name, declared) and state.managed \
                    and not state.proxy:
                yield ctx.finding(self, Span(line=1, column=1, end_line=1, end_column=1),
                                  f"`{state.name}` is created by the migrations ({state.path}:{state.line}) but no "
                                  f"model declares it any more: `python manage.py makemigrations {app}` would write "
                                  "DeleteModel")


def _generated(name: str, declared: set[str]) -> bool:
    """`HistoricalInvoice` next to `Invoice`: the model django-simple-history builds at run time
    from `history = HistoricalRecords()`, however the project attaches it."""
    return name.startswith("historical") and name.removeprefix("historical") in declared


def _checked(model: ModelInfo, index: ProjectIndex) -> bool:
    return is_loaded_django_model(model, index.unloaded_model_modules) and \
        index.django_migrations.label(model) in index.django_migrations.apps


def _table_owners(model: ModelInfo, index: ProjectIndex, seen: frozenset[str] = frozenset()) -> set[str]:
    """The classes whose fields are columns of this model's table: the model and its abstract
    ancestors, but not a concrete parent (multi-table inheritance keeps those in the parent's
    table) nor what lies above it."""
    owners = {model.qname}
    for base in model.bases:
        parent = index.model(base) or next(iter(index.models_named(base.rsplit(".", 1)[-1])), None)
        if parent is not None and parent.abstract and parent.qname not in seen:
            owners |= _table_owners(parent, index, seen | {model.qname})
    return owners


def _external_bases(model: ModelInfo, index: ProjectIndex) -> bool:
    for base in model.inherited_bases:
        last = base.rsplit(".", 1)[-1]
        if last != "Model" and index.model(base) is None and not index.models_named(last):
            return True
    return False


def _field_span(cls: nodes.ClassDef, line: int, positions: Positions) -> Span:
    for statement in cls.body:
        if statement.lineno == line and isinstance(statement, (nodes.Assign, nodes.AnnAssign)):
            target = statement.targets[0] if isinstance(statement, nodes.Assign) else statement.target
            return positions.span(target)
    return positions.name_span(cls)
