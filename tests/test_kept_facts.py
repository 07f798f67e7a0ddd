"""Index facts kept per module: written down, read back, and standing in for the trees they
came from. An index built from kept facts must be the index built from the trees; a fact that
was not kept, or was kept under other circumstances, must cost a parse, never a guess."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzer.config import Config, discover_config
from analyzer.engine import index_files, parse_files
from analyzer.index import build_index, declared_models
from analyzer.index.fingerprint import fingerprint
from analyzer.index.kept import (
    KeptModule,
    TreeNeeded,
    asked_alike,
    context_key,
    module_fact,
    plain_facts,
    read_facts,
    same_facts,
    written_facts,
)
from analyzer.lang.python import defer_module, forget_modules, module_name, parse_python
from analyzer.lang.reach import REACHES
from analyzer.workspace import discover, is_test_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@contextlib.contextmanager
def _parsed(fixture: str) -> Iterator[tuple[Config, list]]:
    """A fixture's configuration and its files, parsed; its modules are forgotten afterwards."""
    root = FIXTURES / fixture
    config = discover_config(root)
    files, _ = discover([root], config)
    parsed, _ = parse_files(files, config)
    try:
        yield config, parsed
    finally:
        forget_modules([item.module.name for item in parsed if item.module is not None])


def _kept(parsed: list) -> dict[str, KeptModule]:
    """Each module's facts as a later run reads them: through JSON text."""
    text = json.dumps({item.source.relpath: [item.module.name, written_facts(item.module)] for item in parsed
                       if item.module is not None and not is_test_file(item.source.relpath)})
    return {relpath: KeptModule(name, relpath, read_facts(facts))
            for relpath, (name, facts) in json.loads(text).items()}


def _index_from(parsed: list, modules: dict, config: Config):
    return build_index([(item.source.relpath, modules[item.source.relpath]) for item in parsed
                        if item.source.relpath in modules],
                       [(item.source.relpath, item.statements, item.source.text) for item in parsed
                        if item.source.language == "sql"],
                       config, [(item.source.relpath, item.script) for item in parsed if item.script is not None])


@pytest.mark.parametrize("fixture", ["django_saas", "fastapi_saas"])
def test_an_index_built_from_kept_facts_is_the_index_built_from_trees(fixture: str) -> None:
    with _parsed(fixture) as (config, parsed):
        from_trees = index_files(parsed, config)
        kept = _kept(parsed)
        assert fingerprint(_index_from(parsed, kept, config)) == fingerprint(from_trees)
        assert any(model.tenant_field for model in from_trees.models.values())
        # Built twice from the same kept facts: the index completes its models in place, and
        # must not have completed the kept ones.
        assert fingerprint(_index_from(parsed, kept, config)) == fingerprint(from_trees)


def test_alembic_revisions_are_replayed_from_kept_operations() -> None:
    """The schema at the heads, replayed from each version file's kept operations: merged
    branches, an index created and dropped, SQL run by `op.execute`."""
    with _parsed("fastapi_helpdesk") as (config, parsed):
        from_trees = index_files(parsed, config)
        assert from_trees.alembic_schema.tables and len(from_trees.alembic.revisions) > 4
        assert fingerprint(_index_from(parsed, _kept(parsed), config)) == fingerprint(from_trees)


def _with_another_tenant(config: Config) -> Config:
    """`config` with the tenant keyed by a field that no fixture's models have."""
    return config.model_copy(update={"tenant": config.tenant.model_copy(update={"fields": ("workspace_id",)})})


def test_facts_that_depend_on_the_tenant_are_not_served_for_another_tenant() -> None:
    """Which manager methods filter by the tenant was worked out for the tenant found then; with
    another tenant key configured, the kept facts cannot answer and a tree is asked for."""
    with _parsed("django_saas") as (config, parsed):
        index_files(parsed, config)
        with pytest.raises(TreeNeeded):
            _index_from(parsed, _kept(parsed), _with_another_tenant(config))


@pytest.mark.parametrize("fixture", ["django_saas", "flask_saas"])
def test_another_tenant_costs_the_trees_of_the_modules_that_have_something_to_ask(fixture: str) -> None:
    """A fact kept under the tenant is asked only of a module whose plain facts say it holds
    something it could answer: a manager class, a FastAPI dependency, a `query_class`."""
    with _parsed(fixture) as (config, parsed):
        index_files(parsed, config)
        kept = _kept(parsed)
        other = _with_another_tenant(config)
        modules: dict = dict(kept)
        needed: set[str] = set()
        while True:
            try:
                _index_from(parsed, modules, other)
                break
            except TreeNeeded as error:
                needed.add(error.relpath)
                modules[error.relpath] = next(item.module for item in parsed if item.source.relpath == error.relpath)
        asking = {relpath for relpath, module in kept.items()
                  if any(module._prodready_memo.get(fact)
                         for fact in ("manager_classes", "declares_dependencies", "assigns_query_class"))}
        assert needed <= asking and len(asking) < len(kept) / 10


def test_kept_facts_that_do_not_fit_are_dropped() -> None:
    assert read_facts({"handler_facts": {"calls": "not text"}, "unknown_family": "1", 3: "4"}) == {}
    assert read_facts(["not", "a", "mapping"]) == {}
    facts = read_facts({"handler_facts": '{"calls": "not a tuple"}', "class_names": '["invoice", "Invoice"]',
                        "reaches:class_names": '["billing.models"]', "reaches:security": "[3]"})
    assert facts["reaches:class_names"] == frozenset({"billing.models"}) and "reaches:security" not in facts
    memo = KeptModule("billing.views", "billing/views.py", facts)._prodready_memo
    assert "handler_facts" not in memo and memo.get("handler_facts") is None  # read when asked, then dropped
    with pytest.raises(TreeNeeded):
        module_fact(KeptModule("billing.views", "billing/views.py", facts), "handler_facts", lambda module: None)
    assert memo.get("class_names") == frozenset({"invoice", "Invoice"}) == memo["class_names"]


def test_the_modules_asked_alike_are_those_that_held_the_family_under_another_context() -> None:
    """The tenant's fields have changed: the modules that answered `tenant_methods` for the old
    ones will be asked for the new ones; the others, and a plain fact, say nothing of them."""
    old, new = context_key("tenant_methods", ["workspace_id"]), context_key("tenant_methods", ["organization_id"])
    managers = KeptModule("billing.managers", "billing/managers.py",
                          read_facts({"manager_classes": "[]", old: "[]"}))
    views = KeptModule("billing.views", "billing/views.py", read_facts({"manager_classes": "[]"}))
    assert asked_alike(managers, new) and not asked_alike(managers, old)
    assert not asked_alike(views, new)
    assert not asked_alike(views, "security") and not asked_alike(managers, "imported_modules:True")


def test_a_kept_module_has_no_tree() -> None:
    module = KeptModule("billing.views", "billing/views.py", {})
    with pytest.raises(TreeNeeded, match=r"billing/views\.py"):
        module.body  # noqa: B018


def test_a_fact_json_would_not_give_back_alike_is_not_kept() -> None:
    """A field option holds whatever constant the model wrote: bytes would come back a string."""
    text = ("from django.db import models\n\n\nclass Invoice(models.Model):\n"
            "    code = models.CharField(max_length=10, db_column=b'code')\n")
    module = parse_python(text, Path("billing/models.py"), "billing.models", register=False)
    assert [m.name for m in declared_models("billing/models.py", module)] == ["Invoice"]
    assert "declared_models" not in written_facts(module)
    plain = parse_python(text.replace("b'code'", "'code'"), Path("billing/models.py"), "billing.models",
                         register=False)
    declared_models("billing/models.py", plain)
    kept = KeptModule("billing.models", "billing/models.py", read_facts(json.loads(json.dumps(written_facts(plain)))))
    assert declared_models("billing/models.py", kept) == declared_models("billing/models.py", plain)


_CONTEXT_KEY = re.compile(r":[0-9a-f]{16}$")  # a fact kept under the tenant it was worked out for


@pytest.mark.parametrize("fixture", ["django_saas", "fastapi_helpdesk", "flask_saas", "fastapi_saas"])
def test_a_modules_facts_do_not_depend_on_the_modules_parsed_with_it(fixture: str) -> None:
    """What a worker works out of its block is what one process works out of the whole
    project: the migrations of an app in the other block, say, must not decide whether the
    class names of its models are read. (What working them out reached is not a fact: it
    follows what astroid had kept from earlier inferences, see `lang.reach`.)"""
    root = FIXTURES / fixture
    config = discover_config(root)
    files = discover([root], config)[0]

    def facts(parsed: list) -> dict[str, dict]:
        index_files(parsed, config)
        found = {item.source.relpath: {key: value for key, value in plain_facts(item.module).items()
                                       if not _CONTEXT_KEY.search(key) and not key.startswith(REACHES)}
                 for item in parsed if item.module is not None}
        forget_modules([item.module.name for item in parsed if item.module is not None])
        return found

    whole = facts(parse_files(files, config)[0])
    migrations = [path for path in files if "migrations" in path.parts or "versions" in path.parts]
    for block in (files[:len(files) // 2], files[len(files) // 2:], files[::2], files[1::2],
                  migrations, [path for path in files if path not in migrations]):
        for path in files:
            if path not in block and path.suffix == ".py":  # the other block, built where inference reaches
                name = module_name(path)
                defer_module(name, lambda path=path, name=name: parse_python(path.read_text(encoding="utf-8"),
                                                                             path, name))
        part = facts(parse_files(block, config)[0])
        for relpath, found in part.items():
            assert found == whole[relpath], relpath


def _facts_alone(text: str, relpath: str = "billing/views.py") -> Any:
    """A tree of `text` with the facts an index of it alone asks, as `engine.facts_as_kept` works them out."""
    module = parse_python(text, Path(relpath), module_name(Path(relpath)), register=False)
    build_index([(relpath, module)], [], Config())
    return module


VIEW = ("from django.http import JsonResponse\n\nfrom billing.models import Invoice\n\n\n"
        "def invoice_total(request, pk):\n    invoice = Invoice.objects.get(pk=pk, organization=request.org)\n"
        "    return JsonResponse({'total': invoice.total}, status=200)\n")


def test_a_modules_facts_are_the_same_when_only_a_comment_or_a_body_changed() -> None:
    kept = json.loads(json.dumps(written_facts(_facts_alone(VIEW))))
    assert same_facts(kept, _facts_alone(VIEW + "# totals are in cents\n"))
    assert not same_facts(kept, _facts_alone(VIEW + "\n\ndef every_invoice(request):\n"
                                                    "    return JsonResponse(list(Invoice.objects.all()))\n"))
    assert not same_facts({key: text for key, text in kept.items() if key != "caller_calls"}, _facts_alone(VIEW))
    assert not same_facts({**kept, context_key("tenant_methods", ["organization_id"]): "[]"}, _facts_alone(VIEW))
    assert not same_facts("not facts", _facts_alone(VIEW))


def test_a_modules_facts_are_the_same_whatever_the_order_of_pythons_sets() -> None:
    """Facts made from sets of calls are put in an order of their own: compared with those
    kept by another process, whose strings hash otherwise, they must be the same."""
    script = ("import json\nfrom tests.test_kept_facts import VIEW, _facts_alone\n"
              "from analyzer.index.kept import written_facts\n"
              "print(json.dumps(written_facts(_facts_alone(VIEW * 3))))\n")
    root = Path(__file__).resolve().parents[1]
    for seed in ("1", "2", "3"):
        kept = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        assert same_facts(json.loads(kept), _facts_alone(VIEW * 3)), seed
