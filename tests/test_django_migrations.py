"""Django migration history replayed without Django: order, squashes, renames, state-only operations."""

from __future__ import annotations

from pathlib import Path

import analyzer
from analyzer.config import Config
from analyzer.engine import build_project_index

HEADER = "from django.conf import settings\nfrom django.db import migrations, models\n\n\n"


def migration(dependencies: str, operations: str, extra: str = "") -> str:
    return (HEADER + "class Migration(migrations.Migration):\n"
            f"    dependencies = [{dependencies}]\n{extra}    operations = [\n{operations}\n    ]\n")


def history(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    index, _ = build_project_index([tmp_path], Config(root=tmp_path.resolve()))
    return index.django_migrations


INITIAL = migration("", '''        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100)),
                ("email", models.EmailField(blank=True)),
            ],
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("customer", models.ForeignKey(on_delete=models.CASCADE, to="shop.customer")),
            ],
        ),''')


def test_operations_replay_in_dependency_order(tmp_path: Path) -> None:
    state = history(tmp_path, {
        "shop/migrations/0001_initial.py": INITIAL,
        "shop/migrations/0002_rename.py": migration('("shop", "0001_initial")', '''
        migrations.RenameModel(old_name="Customer", new_name="Client"),
        migrations.RenameField(model_name="client", old_name="name", new_name="full_name"),
        migrations.AlterField(model_name="client", name="full_name", field=models.CharField(max_length=200)),
        migrations.RemoveField(model_name="client", name="email"),
        migrations.AlterModelTable(name="client", table="crm_client"),'''),
    })
    client = state.model("shop", "Client")
    assert client is not None and state.model("shop", "Customer") is None
    assert sorted(client.fields) == ["full_name", "id"]
    assert client.fields["full_name"].options["max_length"] == 200
    assert client.table == "crm_client"
    # Django repoints relations to a renamed model.
    assert state.model("shop", "Order").fields["customer"].options["to"] == "client"
    assert state.leaves == {"shop": ["0002_rename"]}


def test_separate_database_and_state_changes_only_the_state(tmp_path: Path) -> None:
    state = history(tmp_path, {
        "shop/migrations/0001_initial.py": INITIAL,
        "shop/migrations/0002_move.py": migration('("shop", "0001_initial")', '''
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL("ALTER TABLE shop_order RENAME TO sales_order")],
            state_operations=[migrations.DeleteModel(name="Order")],
        ),
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),'''),
    })
    assert state.model("shop", "Order") is None and state.model("shop", "Customer") is not None


def test_a_squash_stands_aside_while_its_originals_are_present(tmp_path: Path) -> None:
    squash = migration("", INITIAL.split("operations = [\n", 1)[1].rsplit("\n    ]", 1)[0],
                       extra='    replaces = [("shop", "0001_initial"), ("shop", "0002_phone")]\n')
    phone = migration('("shop", "0001_initial")', '''        migrations.AddField(model_name="customer", name="phone",
                            field=models.CharField(max_length=20, null=True)),''')
    with_originals = history(tmp_path / "a", {
        "shop/migrations/0001_initial.py": INITIAL,
        "shop/migrations/0002_phone.py": phone,
        "shop/migrations/0001_squashed_0002_phone.py": squash,
    })
    assert "phone" in with_originals.model("shop", "Customer").fields  # the originals were replayed
    squash_only = history(tmp_path / "b", {"shop/migrations/0001_squashed_0002_phone.py": squash})
    assert "phone" not in squash_only.model("shop", "Customer").fields  # the squash stands in for them


def test_cross_app_dependencies_and_swappable_users(tmp_path: Path) -> None:
    state = history(tmp_path, {
        "shop/migrations/0001_initial.py": INITIAL,
        "billing/migrations/0001_initial.py": migration(
            '("shop", "__first__"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)',
            '''        migrations.CreateModel(
            name="Invoice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("order", models.OneToOneField(on_delete=models.PROTECT, to="shop.order")),
                ("created_by", models.ForeignKey(on_delete=models.PROTECT, to=settings.AUTH_USER_MODEL)),
            ],
        ),'''),
    })
    order = state.model("billing", "Invoice").fields["order"].options
    assert order["to"] == "order" and order["unique"] is True and order["db_index"] is True
    assert state.model("billing", "Invoice").fields["created_by"].options["to"] == "settings.AUTH_USER_MODEL"
    assert state.apps == {"shop", "billing"}


AUDITED = migration("", '''        migrations.CreateModel(
            name="Feature",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("references", models.JSONField(default=list)),
                ("object_id", models.PositiveIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="HistoricalFeature",
            fields=[
                ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
            ],
        ),
        migrations.CreateModel(
            name="HistoricalSegment",
            fields=[("history_id", models.AutoField(primary_key=True, serialize=False))],
        ),''')

AUDITED_MODELS = '''from django.db import models

from flags.fields import GenericObjectID
from util.history import audited


@audited
class Feature(models.Model):
    references = models.JSONField[list[str]](default=list)
    object_id = GenericObjectID()
    labels = models.JSONField[list[str]](default=list)
'''


def mig001(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = Config(root=tmp_path.resolve(), select=("MIG001",))
    return [f.message for f in analyzer.analyze([tmp_path], config).findings]


def test_fields_the_model_declares_in_ways_a_name_matcher_misses(tmp_path: Path) -> None:
    """A generic alias of a field (`JSONField[list[str]]`, django-stubs style), a project's own
    field class, and django-simple-history's `HistoricalFeature` are all still there; a new
    field behind a generic alias and the history of a model that is gone are reported."""
    messages = mig001(tmp_path, {
        "flags/migrations/0001_initial.py": AUDITED,
        "flags/fields.py": "from django.db import models\n\n\nclass GenericObjectID(models.PositiveIntegerField):\n"
                           "    pass\n",
        "flags/models.py": AUDITED_MODELS,
    })
    assert sorted(message.split(" ", 1)[0] for message in messages) == ["`Feature.labels`", "`HistoricalSegment`"]
