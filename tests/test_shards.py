"""Pass 1 across processes: workers that each parse blocks of the project, rounds that pass
their facts between them, and a scan that reports exactly what one process does."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import analyzer
from analyzer import engine, parallel, shards
from analyzer import sharded as sharded_module
from analyzer.config import discover_config
from analyzer.shards import ShardFailed, Shards
from analyzer.workspace import discover
from tests.projects import copy_fixture, kept_facts_file, read_kept_facts, write_kept_facts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(autouse=True)
def _forking() -> None:
    if not parallel.can_fork():
        pytest.skip("forking is unsafe here (not Linux, or the test process runs other threads)")


def test_each_round_gathers_every_workers_answer_in_the_workers_order() -> None:
    def work(number: int, channel: shards.Channel) -> None:
        channel.progress(number + 1)
        channel.answer((number, os.getpid()))
        channel.answer(channel.receive()[number] * 10)

    reported: list[int] = []
    with Shards(3, work) as pool:
        first = pool.gather(reported.append)
        pool.hand_out({0: 1, 1: 2, 2: 3})
        second = pool.gather()
    assert [number for number, _ in first] == [0, 1, 2]
    assert len({pid for _, pid in first} | {os.getpid()}) == 4
    assert sorted(reported) == [1, 2, 3]
    assert second == [10, 20, 30]


def test_the_workers_take_every_task_once_between_them() -> None:
    def work(number: int, channel: shards.Channel) -> None:
        taken = []
        while (task := channel.take()) is not None:
            taken.append(task)
        channel.answer(taken)

    with Shards(3, work, tasks=40) as pool:
        taken = pool.gather()
    assert sorted(task for tasks in taken for task in tasks) == list(range(40))
    with Shards(2, work) as pool:  # none to share out
        assert pool.gather() == [[], []]


def test_a_worker_that_raises_ends_the_round_with_its_traceback() -> None:
    def work(number: int, channel: shards.Channel) -> None:
        if number == 1:
            raise ValueError("the block would not parse")
        channel.answer(number)

    with Shards(2, work) as pool, pytest.raises(ShardFailed, match="the block would not parse"):
        pool.gather()


def test_a_worker_that_dies_ends_the_round() -> None:
    def work(number: int, channel: shards.Channel) -> None:
        if number == 0:
            os._exit(3)
        channel.answer(number)

    with Shards(2, work) as pool, pytest.raises(ShardFailed, match=r"worker 0 exited \(3\)"):
        pool.gather()


def _project(tmp_path: Path) -> Path:
    """The Django fixture with what a real tree also holds: a module that does not parse, and a
    script that stores a token, in blocks that different workers parse."""
    root = tmp_path / "project"
    copy_fixture("django_saas", root)
    (root / "billing" / "broken.py").write_text("def refund(request:\n    return None\n", encoding="utf-8")
    (root / "static").mkdir(exist_ok=True)
    (root / "static" / "session.js").write_text(
        "export function remember(response) {\n  localStorage.setItem('token', response.access_token);\n}\n",
        encoding="utf-8")
    return root


@pytest.fixture
def sharded(monkeypatch) -> list[int]:
    """The number of workers of each sharded pass 1 whose workers answered both rounds, with
    sharding worth it for a fixture (a failed one is done again in one process)."""
    monkeypatch.setattr(engine, "MIN_MODULES_PER_WORKER", 1)
    answered: list[int] = []
    real = shards.Shards.gather

    def recording(self, *args, **kwargs) -> list:
        answers = real(self, *args, **kwargs)
        self.rounds = getattr(self, "rounds", 0) + 1
        if self.rounds == 2:
            answered.append(len(answers))
        return answers

    monkeypatch.setattr(shards.Shards, "gather", recording)
    return answered


@pytest.mark.parametrize("fixture", ["django_saas", "fastapi_helpdesk", "flask_saas", "fastapi_saas"])
def test_a_sharded_scan_reports_exactly_what_one_process_does(fixture: str, sharded: list[int], tmp_path) -> None:
    root = _project(tmp_path) if fixture == "django_saas" else FIXTURES / fixture
    config = discover_config(root)
    alone = analyzer.analyze([root], config, jobs=1)
    split = analyzer.analyze([root], config, jobs=2)
    assert sharded == [2]
    assert alone.findings and split.findings == alone.findings
    assert split.summary.skipped == alone.summary.skipped
    assert split.summary.unparsed_sql == alone.summary.unparsed_sql
    if fixture == "django_saas":
        assert [s.path for s in split.summary.skipped] == ["billing/broken.py"]
        assert any(f.path == "static/session.js" for f in split.findings)


def test_a_scan_of_part_of_a_project_reads_the_rest_in_the_workers(sharded: list[int]) -> None:
    root = FIXTURES / "django_saas"
    config = discover_config(root)
    views = root / "projects" / "views.py"
    alone = analyzer.analyze([views], config, jobs=1)
    split = analyzer.analyze([views], config, jobs=2)
    assert sharded == [2]
    assert alone.findings and split.findings == alone.findings
    assert {f.path for f in split.findings} == {"projects/views.py"}


def test_the_cache_a_sharded_run_leaves_serves_the_runs_after_it(sharded: list[int], tmp_path, monkeypatch) -> None:
    root = _project(tmp_path)
    config = discover_config(root)
    cold = analyzer.analyze([root], config, cache=True, jobs=2)
    assert sharded == [2]
    warm = analyzer.analyze([root], config, cache=True, jobs=2)
    assert warm.findings == cold.findings and warm.summary.skipped == cold.summary.skipped
    views = root / "projects" / "views.py"
    views.write_text(views.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    built: list[str] = []
    real = engine.parse_python

    def counting(text, path, *args, **kwargs):
        built.append(str(path))
        return real(text, path, *args, **kwargs)

    monkeypatch.setattr(engine, "parse_python", counting)
    read_for_imports: list[str] = []
    monkeypatch.setattr(engine, "imports_in_text", lambda text, path, name: read_for_imports.append(name))
    changed = analyzer.analyze([root], config, cache=True, jobs=2)
    assert sharded == [2], "a run with facts kept parses in one process"
    modules = [p for p in discover([root], config)[0] if p.suffix == ".py"]
    assert built and len(built) < len(modules) / 2, "the facts the workers worked out were not kept"
    assert read_for_imports == [], "what the test modules import was not kept with their being unwanted"
    monkeypatch.setattr(engine, "parse_python", real)
    assert changed.findings == analyzer.analyze([root], config, jobs=1).findings == cold.findings
    views.write_text(views.read_text(encoding="utf-8") + "\n\ndef every_project(request):\n"
                     "    return Project.objects.all()\n", encoding="utf-8")
    changed = analyzer.analyze([root], config, cache=True, jobs=2)
    fresh = analyzer.analyze([root], config, jobs=1)
    assert changed.findings == fresh.findings and len(fresh.findings) == len(cold.findings) + 1
    assert changed.summary.skipped == fresh.summary.skipped


def test_the_index_a_sharded_run_built_serves_the_changed_run_after_it(sharded: list[int], tmp_path,
                                                                        monkeypatch) -> None:
    """The workers build the index; the first of them hands it over, written as JSON, for the
    parent to keep: a test module edited next reads it back, and reports what a cold run does."""
    root = _project(tmp_path)
    config = discover_config(root)
    analyzer.analyze([root], config, cache=True, jobs=2)
    assert sharded == [2]
    assert list((root / ".prodready_cache").rglob("*.index"))
    built: list[int] = []
    real = engine.index_files
    monkeypatch.setattr(engine, "index_files", lambda *args: built.append(1) or real(*args))
    tests = root / "tests" / "test_billing.py"
    tests.write_text(tests.read_text(encoding="utf-8") + "\n# both organizations\n", encoding="utf-8")
    changed = analyzer.analyze([root], config, cache=True, jobs=2)
    assert built == [], "the changed run built the index again"
    monkeypatch.setattr(engine, "index_files", real)
    fresh = analyzer.analyze([root], config, jobs=1)
    assert changed.findings == fresh.findings and changed.summary.skipped == fresh.summary.skipped


def test_workers_that_die_leave_the_scan_to_one_process(sharded: list[int], monkeypatch) -> None:
    root = FIXTURES / "django_saas"
    config = discover_config(root)
    alone = analyzer.analyze([root], config, jobs=1)
    made: list[int] = []
    real = shards.Shards.__init__

    def recording(self, jobs, work, **kwargs) -> None:
        made.append(jobs)
        real(self, jobs, work, **kwargs)

    monkeypatch.setattr(shards.Shards, "__init__", recording)
    monkeypatch.setattr(sharded_module, "_parse_block", lambda *_: os._exit(9))
    split = analyzer.analyze([root], config, jobs=2)
    assert made == [2] and not sharded
    assert alone.findings and split.findings == alone.findings
    assert split.summary.skipped == alone.summary.skipped


def test_a_tree_the_parent_builds_for_a_missing_fact_is_forgotten(sharded: list[int], tmp_path, monkeypatch) -> None:
    """Without a module's imports among its facts, the parent builds its tree for the cache's
    digests; the next scan must not find that tree in astroid's cache."""
    import astroid

    root = _project(tmp_path)
    config = discover_config(root)
    real = sharded_module.plain_facts
    monkeypatch.setattr(sharded_module, "plain_facts",
                        lambda tree: {k: v for k, v in real(tree).items() if not k.startswith("imported_modules")})
    split = analyzer.analyze([root], config, cache=True, jobs=2)
    assert sharded == [2]
    assert not [name for name in astroid.MANAGER.astroid_cache if name.split(".")[0] in {"billing", "projects"}]
    assert split.findings == analyzer.analyze([root], config, jobs=1).findings


def test_a_changed_run_that_would_parse_much_of_the_project_again_runs_in_the_workers(
        sharded: list[int], tmp_path, monkeypatch) -> None:
    """An edit to a module whose classes many modules' facts read (the accounts models) makes
    those facts stale: the run sets the cache's facts aside and parses everything in the
    workers, and keeps the facts they worked out, for the next run to stand on. (A fixture is
    too small for a third of its modules: any stale module is enough here.)"""
    monkeypatch.setattr(engine, "STALE_SHARE", 0)
    root = _project(tmp_path)
    config = discover_config(root)
    analyzer.analyze([root], config, cache=True, jobs=2)
    assert sharded == [2]
    kept = kept_facts_file(root)
    planted = read_kept_facts(kept)  # a fact the workers will not find again
    planted["projects/views.py"]["facts"]["class_names"] = '["planted"]'
    write_kept_facts(kept, planted)
    models = root / "accounts" / "models.py"
    models.write_text(models.read_text(encoding="utf-8") + "\n\nclass Badge(models.Model):\n"
                      "    name = models.CharField(max_length=40)\n", encoding="utf-8")
    changed = analyzer.analyze([root], config, cache=True, jobs=2)
    assert sharded == [2, 2]
    assert changed.findings == analyzer.analyze([root], config, jobs=1).findings
    rewritten = read_kept_facts(kept)["projects/views.py"]["facts"]
    assert rewritten.get("class_names") != '["planted"]', "the cache kept what the workers did not work out"
    views = root / "projects" / "views.py"
    views.write_text(views.read_text(encoding="utf-8") + "\n\ndef every_project(request):\n"
                     "    return Project.objects.all()\n", encoding="utf-8")
    after = analyzer.analyze([root], config, cache=True, jobs=2)
    assert sharded == [2, 2], "the facts the workers worked out were not kept"
    fresh = analyzer.analyze([root], config, jobs=1)
    assert after.findings == fresh.findings and len(fresh.findings) == len(changed.findings) + 1


def test_the_trees_a_changed_run_needs_for_its_rules_are_built_in_the_workers(tmp_path, monkeypatch) -> None:
    """A changed run whose index changed runs the rules on every file again; the trees of the
    modules it kept facts for are built by the workers that check them, not one after another
    before they start."""
    monkeypatch.setattr(parallel, "MIN_FILES_PER_JOB", 1)
    root = _project(tmp_path)
    config = discover_config(root)
    analyzer.analyze([root], config, cache=True, jobs=1)
    models = root / "billing" / "models.py"  # a model more: a new index, and few modules import it
    models.write_text(models.read_text(encoding="utf-8") + "\n\nclass Voucher(models.Model):\n"
                      "    code = models.CharField(max_length=20)\n", encoding="utf-8")
    log = tmp_path / "parsed.log"
    real = engine.parse_python

    def logged(text, path, *args, **kwargs):
        with log.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {path}\n")
        return real(text, path, *args, **kwargs)

    monkeypatch.setattr(engine, "parse_python", logged)
    changed = analyzer.analyze([root], config, cache=True, jobs=2)
    monkeypatch.setattr(engine, "parse_python", real)
    assert changed.findings == analyzer.analyze([root], config, jobs=1).findings
    by_process = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        pid, path = line.split(" ", 1)
        by_process.setdefault(int(pid), []).append(path)
    here = by_process.pop(os.getpid(), [])
    assert by_process, "no tree was built in a worker"
    assert len(here) < sum(map(len, by_process.values())), here


def test_a_round_that_fails_ends_the_other_workers_at_once() -> None:
    def work(number: int, channel: shards.Channel) -> None:
        if number == 1:
            raise ValueError("the block would not parse")
        time.sleep(60)  # a worker still busy with its block

    started = time.monotonic()
    with pytest.raises(ShardFailed), Shards(2, work) as pool:
        pool.gather()
    assert time.monotonic() - started < 5
