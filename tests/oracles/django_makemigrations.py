"""Django's own verdict on a project's migrations, for the MIG001 oracle test.

Run in a subprocess with DJANGO_SETTINGS_MODULE set and the project on sys.path. Prints one
JSON object per change makemigrations would write, and whether it reaches the database: an
AlterField only does when the column's type or a schema option differs, a CreateModel only
when the model is managed and not a proxy.
"""

from __future__ import annotations

import json

import django

SCHEMA_OPTIONS = ("max_length", "null", "unique", "db_index", "primary_key", "db_column", "max_digits",
                  "decimal_places", "to", "db_table")


def schema(field) -> tuple:
    path, _args, kwargs = field.deconstruct()[1:]
    kwargs = {k: v for k, v in kwargs.items() if k in SCHEMA_OPTIONS}
    if "to" in kwargs:
        kwargs["to"] = str(kwargs["to"]).lower()
    return path.rsplit(".", 1)[-1], sorted((k, str(v)) for k, v in kwargs.items())


def main() -> None:
    django.setup()
    from django.apps import apps
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
    from django.db.migrations.state import ProjectState

    loader = MigrationLoader(None, ignore_no_migrations=True)
    before = loader.project_state()
    after = ProjectState.from_apps(apps)
    changes = MigrationAutodetector(before, after, NonInteractiveMigrationQuestioner()).changes(graph=loader.graph)
    for app, migrations in sorted(changes.items()):
        for migration in migrations:
            for operation in migration.operations:
                kind = type(operation).__name__
                model = getattr(operation, "model_name", None) or getattr(operation, "name", "")
                field = getattr(operation, "name", None) if hasattr(operation, "model_name") else None
                reaches = True
                if kind == "AlterField":
                    old = before.models[app, operation.model_name_lower].fields[operation.name]
                    reaches = schema(old) != schema(operation.field)
                elif kind == "CreateModel":
                    reaches = operation.options.get("managed", True) and not operation.options.get("proxy")
                elif kind in ("AlterModelOptions", "AlterModelManagers", "AlterUniqueTogether", "AddIndex",
                              "RemoveIndex", "AddConstraint", "RemoveConstraint", "AlterIndexTogether"):
                    reaches = False  # not MIG001's business (indexes and constraints are other rules')
                print(json.dumps({"app": app, "op": kind, "model": str(model).lower(),
                                  "field": field, "schema": bool(reaches)}))


if __name__ == "__main__":
    main()
