"""MIG005: ORM models that no migration system builds at all."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes

from ...config import Config
from ...index import ModelInfo, ProjectIndex
from ...index.django_migrations import is_loaded_django_model
from ...lang.python import Positions
from ...model import Finding, Severity
from ...workspace import is_test_file
from ..base import Rule, RuleContext
from . import DJANGO_MIGRATIONS_DOCS
from .runtime_ddl import ALEMBIC_AUTOGENERATE


class ModelsWithoutMigrations(Rule):
    """Models exist but no migrations do: the schema lives only in whatever database it was made in.

    ## Why is this bad?
    Without a migration history every database is built differently: by `create_all()` on
    someone's laptop, by hand in production. The first change to a model has no way to reach
    the databases that already exist, and a new environment cannot be built the way production
    was. Django apps with models need a `migrations` package (`python manage.py makemigrations
    <app>`); SQLAlchemy models need Alembic (`alembic init`, then `alembic revision
    --autogenerate`) or another migration tool. Reported once, on the first model of each
    Django app listed in `INSTALLED_APPS`, or of the project for SQLAlchemy when it creates an
    engine; apps whose `MIGRATION_MODULES` point elsewhere are left alone.

    ## Example
    ```python
    # config/settings.py
    INSTALLED_APPS = ["django.contrib.contenttypes", "inventory"]

    # inventory/models.py
    from django.db import models


    class Item(models.Model):
        name = models.CharField(max_length=100)
    ```

    ## Use instead
    ```python
    # config/settings.py
    INSTALLED_APPS = ["django.contrib.contenttypes", "inventory"]

    # inventory/migrations/0001_initial.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        initial = True
        operations = [
            migrations.CreateModel(
                name="Item",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                    ("name", models.CharField(max_length=100)),
                ],
            ),
        ]

    # inventory/models.py
    from django.db import models


    class Item(models.Model):
        name = models.CharField(max_length=100)
    ```
    """

    code = "MIG005"
    name = "models-without-migrations"
    severity = Severity.WARNING
    languages = ("python",)
    references = (DJANGO_MIGRATIONS_DOCS, ALEMBIC_AUTOGENERATE)
    node_types = (nodes.ClassDef,)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return not is_test_file(relpath)

    def check(self, node: nodes.ClassDef, ctx: RuleContext) -> Iterator[Finding]:
        model = ctx.index.model(f"{node.root().name}.{node.name}")
        if model is None or model.abstract or not model.managed or model.proxy:
            return
        if model.framework == "django" and not is_loaded_django_model(model, ctx.index.unloaded_model_modules):
            return
        first = _first_model(ctx.index, model)
        if first is not model:
            return
        positions = ctx.positions or Positions(ctx.text)
        security = ctx.index.security
        history = ctx.index.django_migrations
        if model.framework == "django" and model.app_label in security.installed_apps and \
                history.app_of(model.path) is None and model.app_label not in history.apps and \
                model.app_label not in security.migration_modules:
            yield ctx.finding(self, positions.name_span(node),
                              f"the `{model.app_label}` app has models but no migrations: run `python manage.py "
                              f"makemigrations {model.app_label}` and commit the result")
        elif model.framework == "sqlalchemy" and model.table and security.creates_engine and \
                not ctx.index.alembic.revisions and not ctx.index.sql_migrations:
            yield ctx.finding(self, positions.name_span(node),
                              "these SQLAlchemy models have no migrations (no Alembic versions, no SQL migration "
                              "files): set up Alembic (`alembic init migrations`, then `alembic revision "
                              "--autogenerate`)")


def _first_model(index: ProjectIndex, model: ModelInfo) -> ModelInfo | None:
    """The first concrete model of the Django app (or of the project, for SQLAlchemy)."""
    return index.derived("first_models", _first_models).get(_group(model))


def _group(model: ModelInfo) -> tuple[str, str]:
    return model.framework, model.app_label if model.framework == "django" else ""


def _first_models(index: ProjectIndex) -> dict[tuple[str, str], ModelInfo]:
    """The first concrete model of each app, by path and line: worked out once, not for every
    class (a thousand generated models made it cubic)."""
    first: dict[tuple[str, str], ModelInfo] = {}
    for m in index.models.values():
        if m.abstract or not m.managed or m.proxy or is_test_file(m.path) or (
                m.framework == "django" and not is_loaded_django_model(m, index.unloaded_model_modules)):
            continue
        known = first.get(_group(m))
        if known is None or (m.path, m.line) < (known.path, known.line):
            first[_group(m)] = m
    return first
