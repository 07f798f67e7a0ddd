"""The index written as JSON and read back by its declared types is the index it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.config import discover_config
from analyzer.engine import build_project_index
from analyzer.index import FieldInfo, ProjectIndex
from analyzer.index.fingerprint import fingerprint
from analyzer.index.snapshot import NotKeepable, from_json, to_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize("fixture", ["django_saas", "fastapi_helpdesk", "flask_saas", "fastapi_saas"])
def test_an_index_read_back_is_the_index_written(fixture: str) -> None:
    root = FIXTURES / fixture
    index, _ = build_project_index([root], discover_config(root))
    back = from_json(json.loads(json.dumps(to_json(index, ProjectIndex))), ProjectIndex)
    assert back == index and fingerprint(back) == fingerprint(index)
    assert back.models and all(type(back.models[name]) is type(model) for name, model in index.models.items())
    if index.django_migrations.models:  # mappings keyed by (app, model): JSON keys are strings
        assert all(type(key) is tuple for key in back.django_migrations.models)
    assert back.models_named(next(iter(index.models.values())).name)  # what __post_init__ works out


def test_each_container_comes_back_as_declared() -> None:
    index = ProjectIndex(tenant_names={"organization_id"}, caller_parameters=frozenset({"f:g#h"}),
                         default_permissions=("IsAuthenticated",), sql_migrations=["db/0001.sql"])
    back = from_json(json.loads(json.dumps(to_json(index, ProjectIndex))), ProjectIndex)
    assert type(back.tenant_names) is set and type(back.caller_parameters) is frozenset
    assert type(back.default_permissions) is tuple and type(back.sql_migrations) is list
    assert back == index


@pytest.mark.parametrize("option", [b"code", ("a", "b"), float("nan"), object()])
def test_a_value_json_would_not_give_back_alike_is_not_kept(option: object) -> None:
    """A field option holds whatever constant the model wrote."""
    field = FieldInfo(name="code", column="code", kind="column", options={"db_column": option})
    with pytest.raises(NotKeepable):
        to_json(field, FieldInfo)


def test_a_value_not_of_its_declared_type_is_not_kept() -> None:
    with pytest.raises(NotKeepable):
        to_json(ProjectIndex(tenant_names=["organization_id"]), ProjectIndex)  # type: ignore[arg-type]
    with pytest.raises(NotKeepable):
        to_json(ProjectIndex(default_permissions=["IsAuthenticated"]), ProjectIndex)  # type: ignore[arg-type]


@pytest.mark.parametrize("planted", [
    None, [], "text",
    {"models": {"billing.models.Invoice": 1}},  # a mapping is written as pairs
    {"models": [["billing.models.Invoice"]]},
    {"tenant_names": [1]},
    {"tenant": None},
    {"sql_migrations": "db/0001.sql"},
])
def test_what_no_run_writes_is_refused(planted: object) -> None:
    data = {**to_json(ProjectIndex(), ProjectIndex), **planted} if isinstance(planted, dict) else planted
    with pytest.raises(ValueError):
        from_json(data, ProjectIndex)


def test_an_index_without_one_of_its_fields_is_refused() -> None:
    data = to_json(ProjectIndex(), ProjectIndex)
    del data["tenant"]
    with pytest.raises(ValueError, match="tenant"):
        from_json(data, ProjectIndex)
