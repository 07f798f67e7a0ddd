"""What a piece of analysis reached, as `lang.reach` notes it: through astroid's answers kept
from earlier inferences too, and only what an inference read itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from astroid import nodes

from analyzer.index.kept import module_fact
from analyzer.lang.python import forget_modules, parse_python
from analyzer.lang.reach import EVERY, WHOLE, expanded, reaching, untracked

MODULES = {
    "reach_models": "class Invoice:\n    pass\n\n\nclass Receipt:\n    pass\n",
    "reach_queries": "from reach_models import Invoice\n",
    "reach_services": "from reach_queries import Invoice  # re-exported\n",
    "reach_view": "from reach_services import Invoice\nInvoice\n",
    "reach_report": "from reach_services import Invoice\nInvoice\n",
    "reach_either": "from reach_models import Invoice\nfrom reach_other import Other\n"
                    "if flag:\n    chosen = Invoice\nelse:\n    chosen = Other\nchosen\n",
    "reach_other": "class Other:\n    pass\n",
    "reach_elsewhere": "from reach_unrelated import Thing\nThing\n",
    "reach_unrelated": "class Thing:\n    pass\n",
    "reach_star": "from reach_models import *\n",
}


@pytest.fixture
def trees() -> Iterator[dict[str, nodes.Module]]:
    built = {name: parse_python(text, Path(f"{name}.py"), name) for name, text in MODULES.items()}
    yield built
    forget_modules(list(built))


def _last_name(module: nodes.Module) -> nodes.Name:
    return module.body[-1].value


def test_an_answer_kept_by_astroid_carries_the_modules_it_read(trees: dict[str, nodes.Module]) -> None:
    """The report gets what `Invoice` is in the service module from the answer astroid kept
    when the view asked, without reading the queries' module again itself."""
    with reaching() as view:
        list(_last_name(trees["reach_view"]).infer())
    with reaching() as report:
        list(_last_name(trees["reach_report"]).infer())
    assert {"reach_services", "reach_queries", "reach_models"} <= view.names
    assert {"reach_services", "reach_queries", "reach_models"} <= report.names


def test_an_inference_reached_what_its_own_steps_read(trees: dict[str, nodes.Module]) -> None:
    """An inference of two values is run a step at a time; what ran between its steps is not
    what it read, and the answer kept for it does not carry it."""
    steps = _last_name(trees["reach_either"]).infer()
    next(steps)
    list(_last_name(trees["reach_elsewhere"]).infer())  # another inference, between two steps
    list(steps)
    with reaching() as again:
        list(_last_name(trees["reach_either"]).infer())  # astroid's kept answer
    assert {"reach_models", "reach_other"} <= again.names
    assert "reach_unrelated" not in again.names


def test_a_fact_read_from_a_module_carries_the_module_and_what_working_it_out_read(
        trees: dict[str, nodes.Module]) -> None:
    def work_out(module: nodes.Module) -> str:
        return next(_last_name(module).infer()).name

    with reaching() as first:
        assert module_fact(trees["reach_view"], "reach_test", work_out) == "Invoice"
    with reaching() as second:
        assert module_fact(trees["reach_view"], "reach_test", work_out) == "Invoice"
    assert {"reach_view", "reach_models"} <= second.names
    assert "reach_models" in first.names


def test_a_module_stands_with_what_building_its_tree_read(trees: dict[str, nodes.Module]) -> None:
    """A star import fills the module's names from another's when its tree is built: whatever
    reads the module read that one too. A module whose build is not known here stands for
    itself and everything it imports."""
    assert expanded(frozenset({"reach_star"})) >= {"reach_star", "reach_models"}
    assert expanded(frozenset({"reach_nowhere"})) == {WHOLE + "reach_nowhere"}


def test_analysis_in_or_across_a_run_that_writes_nothing_reached_every(trees: dict[str, nodes.Module]) -> None:
    """A run without a cache writes no names down; what it worked out, and what began before
    it ended, stands for every module, never for none."""
    with reaching() as across, untracked(), reaching() as inside:
        list(_last_name(trees["reach_view"]).infer())
    with reaching() as after:
        list(_last_name(trees["reach_elsewhere"]).infer())
    assert inside.names == across.names == {EVERY}
    assert "reach_unrelated" in after.names and EVERY not in after.names
