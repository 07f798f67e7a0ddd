"""The cache: an unchanged run answered from .prodready_cache/ exactly as a cold run would answer
it; in a changed run, only the files whose findings may have changed analysed again, and the
report still exactly a cold run's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import analyzer
from analyzer import cache as analyzer_cache
from analyzer import engine, workspace
from analyzer.budget import TimeUp
from analyzer.cache import CACHE_DIR, RunCache, pack_facts
from analyzer.config import discover_config
from analyzer.index import kept
from analyzer.lang import python as lang_python
from analyzer.model import Report
from analyzer.workspace import language_of
from tests.projects import copy_fixture, kept_facts_file, read_kept_facts, write_kept_facts

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "django_saas"
PRODREADY = str(Path(sys.executable).with_name("prodready"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture("django_saas", tmp_path / "django_saas")


def run(root: Path, cache: bool = True, **config: object) -> Report:
    base = discover_config(root)
    return analyzer.analyze([root], base.model_copy(update=config) if config else base, cache=cache)


def same(a: Report, b: Report) -> bool:
    return a.findings == b.findings and a.summary.model_copy(update={"seconds": 0}) == \
        b.summary.model_copy(update={"seconds": 0})


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_an_unchanged_run_is_answered_from_the_cache_without_parsing(project: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cold = run(project)
    assert (project / CACHE_DIR / ".gitignore").read_text().endswith("*\n")
    assert (project / CACHE_DIR / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm run parsed files")

    with monkeypatch.context() as patched:
        patched.setattr(engine, "parse_files", no_parsing)
        warm = run(project)
    assert same(warm, cold) and warm.findings
    assert set(warm.sources) == {f.path for f in cold.findings}  # the code frames keep their lines
    assert same(run(project, cache=False), cold)


def test_editing_a_model_changes_the_verdict_in_the_views_as_a_cold_run_does(project: Path) -> None:
    before = run(project)
    edit(project / "billing" / "models.py",
         "    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)\n    project =", "    project =")
    after = run(project)
    assert not same(after, before)
    assert same(after, run(project, cache=False))


def test_a_run_analyses_the_texts_its_key_was_made_of(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file saved again while a run reads the project: the run analyses the bytes it hashed
    for its key, so that what the cache keeps under that key is what those bytes give, and
    the next run, which finds the new text, analyses that."""
    views = project / "billing" / "views.py"
    cold = run(project, cache=False)
    assert any(finding.path == "billing/views.py" for finding in cold.findings)
    real = RunCache.key

    def saved_meanwhile(self: RunCache, *args: object) -> str | None:
        key = real(self, *args)
        views.write_text("")
        return key

    with monkeypatch.context() as patched:
        patched.setattr(RunCache, "key", saved_meanwhile)
        assert same(run(project), cold)
    assert not any(finding.path == "billing/views.py" for finding in run(project).findings)


def test_a_cached_run_hashes_each_files_bytes_once(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The digests a file's kept facts and findings stand under are made from the digest of
    its bytes that the run's key worked out, not from its text hashed again."""
    run(project)
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    hashed: list[int] = []
    real = workspace.content_digest
    monkeypatch.setattr(workspace, "content_digest", lambda data: hashed.append(1) or real(data))
    monkeypatch.setattr(analyzer_cache, "content_digest", workspace.content_digest)
    monkeypatch.setattr(workspace, "own_digest", lambda *args: pytest.fail("a file's text was hashed"))
    after = run(project)
    assert len(hashed) == len([path for path in project.rglob("*") if language_of(path)])
    monkeypatch.undo()
    assert same(after, run(project, cache=False))


def test_configuration_is_part_of_the_key(project: Path) -> None:
    everything = run(project)
    tenant_only = run(project, select=("TEN",))
    assert {f.rule[:3] for f in tenant_only.findings} == {"TEN"}
    assert same(run(project), everything)


def test_the_command_line_caches_cleans_and_can_do_without(tmp_path: Path) -> None:
    """A project that imports nothing heavy, so that each run is a fresh process but quick."""
    root = tmp_path / "reports"
    (root / "sql").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.prodready.tenant]\ntables = ["invoices"]\nfields = ["tenant_id"]\n')
    (root / "sql" / "schema.sql").write_text("CREATE TABLE invoices (id int, tenant_id int, total int);\n")
    report = root / "sql" / "report.sql"
    report.write_text("SELECT id, total FROM invoices WHERE total > 100;\n")

    def check(*options: str) -> dict:
        done = subprocess.run([PRODREADY, "check", "--format", "json", *options], cwd=root, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        result = json.loads(done.stdout)
        result["summary"].pop("seconds")
        return result

    cold = check()
    assert [f["rule"] for f in cold["findings"]] == ["TEN003"]
    assert check() == cold
    for entry in (root / CACHE_DIR).rglob("*.json"):
        entry.write_text("{ not json")  # a broken cache is ignored and replaced
    assert check() == cold
    report.write_text("SELECT id, total FROM invoices WHERE tenant_id = %s AND total > 100;\n")
    assert check()["findings"] == []
    done = subprocess.run([PRODREADY, "clean"], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Removed" in done.stderr
    assert not (root / CACHE_DIR).exists()
    assert check("--no-cache")["findings"] == []
    assert not (root / CACHE_DIR).exists()


def write(root: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(text)


def analysed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose rules a run runs, as pass 2 is handed them."""
    analysed: list[str] = []
    real = engine.map_files

    def recording(items: list, check: object, jobs: int) -> object:
        analysed.extend(item.source.relpath for item in items)
        return real(items, check, jobs)

    monkeypatch.setattr(engine, "map_files", recording)
    return analysed


def test_editing_a_view_reanalyses_that_view_and_not_what_only_imports_it(project: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The URL modules import the views, but their analysis read nothing of them (see
    `lang.reach`); a helper the views call is the other way round (see below)."""
    before = run(project)
    edit(project / "billing" / "views.py",
         "get_object_or_404(Invoice, pk=pk, organization=request.user.organization)  # ok: TEN001",
         "get_object_or_404(Invoice, pk=pk)")
    analysed = analysed_files(monkeypatch)
    after = run(project)
    assert sorted(analysed) == ["billing/views.py"]
    new = [f for f in after.findings if f not in before.findings]
    assert [(f.rule, f.path, f.line) for f in new] == [("TEN001", "billing/views.py", 42)]
    assert same(after, run(project, cache=False))


def built_trees(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    """The files whose trees a run builds, whether to index, to analyse or for inference."""
    built: list[str] = []
    real = lang_python._build

    def recording(text: str, name: str, path: Path) -> object:
        built.append(Path(path).relative_to(root).as_posix())
        return real(text, name, path)

    monkeypatch.setattr(lang_python, "_build", recording)
    return built


def test_a_changed_run_builds_only_the_trees_it_needs(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other modules' index facts are kept from the last run: the edited view is parsed,
    and what inference reaches from it; not the URL modules that import it, whose facts read
    nothing of it, nor the rest of the project."""
    run(project)
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    built = built_trees(monkeypatch, project)
    after = run(project)
    assert "billing/views.py" in built and "billing/urls.py" not in built
    assert "projects/views.py" not in built and "billing/admin.py" not in built
    assert len(built) < len(list(project.rglob("*.py"))) // 4
    monkeypatch.undo()
    assert same(after, run(project, cache=False))


def test_a_changed_run_parses_an_sql_file_only_when_something_reads_it(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An SQL file's statements are read by the index and by its own rules: a run that reads
    the index back and has the file's findings kept parses none of them. One changed, the
    index is built again from all of them, and the changed one analysed again."""
    project = copy_fixture("flask_saas", tmp_path / "flask_saas")
    run(project)
    parsed: list[str] = []
    real = engine.parse_script
    monkeypatch.setattr(engine, "parse_script", lambda text, *args: parsed.append(text) or real(text, *args))
    edit(project / "app" / "routes" / "orders.py", "def ", "# the orders of the signed-in tenant\ndef ")
    after = run(project)
    assert parsed == []
    assert same(after, run(project, cache=False))
    parsed.clear()
    release = project / "sql" / "releases" / "2.4.0.sql"
    release.write_text(release.read_text() + "\nALTER TABLE tenants ADD COLUMN plan varchar(20) NOT NULL;\n")
    after = run(project)
    assert len(parsed) == len(list(project.rglob("*.sql")))
    assert same(after, run(project, cache=False))


def test_an_sql_file_left_to_parse_later_that_runs_out_of_time_is_skipped_as_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that parsed the file when it read it would skip it, and say why; so does one that
    parses it when the index is built again."""
    project = copy_fixture("flask_saas", tmp_path / "flask_saas")
    run(project)
    assert (project / "sql" / "schema.sql").read_text().startswith("-- orderdesk schema")  # what `slow` knows it by
    real = engine.parse_script

    def slow(text: str, *args: object) -> list:
        if text.startswith("-- orderdesk schema"):
            raise TimeUp
        return real(text, *args)

    monkeypatch.setattr(engine, "parse_script", slow)
    release = project / "sql" / "releases" / "2.4.0.sql"
    release.write_text(release.read_text() + "\nALTER TABLE tenants ADD COLUMN plan varchar(20) NOT NULL;\n")
    after = run(project)
    assert [skip.path for skip in after.summary.skipped if skip.reason.startswith("timeout")] == ["sql/schema.sql"]
    assert same(after, run(project, cache=False))


def test_a_changed_run_parses_only_the_scripts_that_changed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A script's facts for the index (where a stored credential is read back) are kept too,
    and so is whether any rule needs it at all."""
    run(project)
    parsed: list[str] = []
    real = engine.parse_script_file

    def recording(text: str, relpath: str, language: str) -> object:
        parsed.append(relpath)
        return real(text, relpath, language)

    monkeypatch.setattr(engine, "parse_script_file", recording)
    gated: list[str] = []
    real_gate = engine.parse_gate

    def counting_gate(config: object) -> object:
        gate = real_gate(config)
        return lambda source: gated.append(source.relpath) or gate(source)

    monkeypatch.setattr(engine, "parse_gate", counting_gate)
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    run(project)
    assert parsed == [] and gated == ["billing/views.py"]
    edit(project / "templates" / "projects" / "board.html", 'localStorage.getItem("boardState")',
         'localStorage.getItem("boardToken")')
    after = run(project)
    assert parsed == ["templates/projects/board.html"]
    monkeypatch.undo()
    assert same(after, run(project, cache=False))


def test_a_run_in_which_nothing_the_index_reads_changed_reads_back_the_last_index(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test module edited, or a comment added to a view: the index is read back as the
    last run built it (the view's facts come out as they were), and the report is a cold
    run's. A view added: the index reads it, so it is built again, and kept for the next run."""
    run(project)
    built = []
    real = engine.index_files
    monkeypatch.setattr(engine, "index_files", lambda *args: built.append(1) or real(*args))
    test_module, views = project / "tests" / "test_billing.py", project / "billing" / "views.py"
    edit(test_module, "    def test_fixture", "    # both organizations are made above\n    def test_fixture")
    assert same(run(project), run(project, cache=False)) and len(built) == 1  # the cold run's
    edit(views, "def ", "# looked up by the URL's id\ndef ")
    assert same(run(project), run(project, cache=False)) and len(built) == 2
    edit(views, "def ", "# owned by the organization\ndef ")  # the facts kept for the last text were whole
    assert same(run(project), run(project, cache=False)) and len(built) == 3
    views.write_text(views.read_text() + "\n\ndef every_invoice(request):\n    return Invoice.objects.all()\n")
    assert same(run(project), run(project, cache=False)) and len(built) == 5
    edit(test_module, "    def test_other", "    # as another organization\n    def test_other")
    assert same(run(project), run(project, cache=False)) and len(built) == 6


def test_a_run_that_reads_the_index_back_reads_no_modules_facts(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A kept module's facts are read when something first asks it for one: a run that reads
    the index back asks the unchanged modules only what they import, which their entries hold
    beside the facts. Facts that are asked for are read whole. The index read back is kept
    for the view's new text as the text it was read from."""
    run(project)
    read: list[int] = []
    real = kept.read_facts
    monkeypatch.setattr(kept, "read_facts", lambda data: read.append(1) or real(data))
    built, written = [], []
    real_index, real_written = engine.index_files, engine.written_index
    monkeypatch.setattr(engine, "index_files", lambda *args: built.append(1) or real_index(*args))
    monkeypatch.setattr(engine, "written_index", lambda index: written.append(1) or real_written(index))
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    assert same(run(project), run(project, cache=False))
    assert built == [1] and read == [] and written == []  # the cold run's index, which is not kept
    edit(project / "billing" / "views.py", "def ", "# owned by the organization\ndef ")
    assert same(run(project), run(project, cache=False))
    assert built == [1, 1] and read == [] and written == []
    note = "class Note(models.Model):\n    text = models.TextField()\n\n\nclass "
    edit(project / "billing" / "models.py", "class ", note)
    assert same(run(project), run(project, cache=False))
    assert read, "the index was built from kept facts"


def test_a_facts_file_cut_short_costs_the_modules_it_lost_a_parse(project: Path) -> None:
    """Entries whose facts lie past the end of the file stand in for no module: those modules
    are parsed, and their facts kept again."""
    run(project)
    facts_file = kept_facts_file(project)
    whole = read_kept_facts(facts_file)
    data = facts_file.read_bytes()
    facts_file.write_bytes(data[:len(data) * 3 // 4])
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    assert same(run(project), run(project, cache=False))
    again = read_kept_facts(facts_file)
    assert [relpath for relpath, entry in again.items() if "facts" in entry] == \
        [relpath for relpath, entry in whole.items() if "facts" in entry]


def test_an_index_kept_from_facts_that_read_other_texts_is_built_again(project: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The index is kept with the dependency digest of each module's facts, not only its own
    text: a module's facts that read, through inference, a module that has changed since
    (one the index does not read, say) are not those the index was built from."""
    run(project)
    (index_file,) = (project / CACHE_DIR).rglob("*.index")
    head, written = index_file.read_bytes().split(b"\n", 1)
    data = json.loads(head)
    digests = data["inputs"]["billing/models.py"]
    assert len(digests) == 2 and all(isinstance(digest, str) for digest in digests)
    data["inputs"]["billing/models.py"][1] = "the facts of another text"
    index_file.write_bytes(json.dumps(data).encode() + b"\n" + written)
    built = []
    real = engine.index_files
    monkeypatch.setattr(engine, "index_files", lambda *args: built.append(1) or real(*args))
    edit(project / "tests" / "test_billing.py", "    def test_fixture", "    # both of them\n    def test_fixture")
    assert same(run(project), run(project, cache=False)) and len(built) == 2


def test_a_check_of_one_file_takes_the_projects_facts_from_a_run_of_the_whole(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`prodready check billing/views.py` (a pre-commit hook) reads the rest of the project for
    the index; the facts a run of the whole project kept serve it, whatever paths that run had."""
    run(project)
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    views = project / "billing" / "views.py"
    built = built_trees(monkeypatch, project)
    one = analyzer.analyze([views], discover_config(project), cache=True)
    assert "billing/views.py" in built and len(built) < len(list(project.rglob("*.py"))) // 4
    monkeypatch.undo()
    assert same(one, analyzer.analyze([views], discover_config(project), cache=False))
    assert same(run(project), run(project, cache=False))  # and the whole project's facts are still kept


def test_a_star_import_finds_in_a_changed_run_what_it_finds_in_a_cold_one(project: Path) -> None:
    """`from .models import *` in a module parsed before `models.py`: a cold run builds the
    trees in order and the import finds nothing yet. A changed run that builds `models.py` out
    of order, when the importing module is analysed again, must not find more."""
    (project / "billing" / "added.py").write_text(
        "from .models import *\n\n\ndef added_view(request, pk):\n    return Project.objects.get(pk=pk)\n")
    run(project)
    edit(project / "config" / "settings.py", "SESSION_COOKIE_SECURE = not DEBUG", "SESSION_COOKIE_SECURE = False")
    assert same(run(project), run(project, cache=False))


def test_a_warm_run_reports_what_a_cold_run_does_through_a_series_of_edits(project: Path) -> None:
    """Each edit reaches the findings of other files another way: through the index (a model,
    the settings, a template's storage key), through an import (a service the views call), or
    by a file coming or going."""
    run(project)
    services = project / "billing" / "services.py"
    edits = [
        (project / "billing" / "models.py",
         "    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)\n    project =",
         "    project ="),
        (services, "organization=", "organisation="),
        (project / "config" / "settings.py", "SESSION_COOKIE_SECURE = not DEBUG", "SESSION_COOKIE_SECURE = False"),
        (project / "templates" / "projects" / "board.html", 'localStorage.getItem("boardState")',
         'localStorage.getItem("boardToken")'),
        (project / "billing" / "tasks.py", "\n", "\n\n\n"),
    ]
    for path, old, new in edits:
        edit(path, old, new)
        assert same(run(project), run(project, cache=False)), path
    (project / "billing" / "extra_views.py").write_text(
        "from .models import Invoice\n\n\ndef invoice_json(request, pk):\n"
        "    return Invoice.objects.get(pk=pk)\n")
    assert same(run(project), run(project, cache=False))
    services.unlink()
    assert same(run(project), run(project, cache=False))


SHOP = {
    "shop/__init__.py": "",
    "shop/models.py": '''from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=100)


class Project(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)


class Invoice(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    total = models.IntegerField()
''',
    "shop/queries.py": '''from .models import Invoice


def visible_invoices(request):
    return Invoice.objects.filter(organization=request.user.organization)
''',
    "shop/views.py": '''from django.http import JsonResponse

from .queries import visible_invoices


def invoice_detail(request, pk):
    invoice = visible_invoices(request).get(pk=pk)
    return JsonResponse({"total": invoice.total})
''',
}


def _drop_the_helpers_filter(root: Path) -> None:
    queries = root / "shop" / "queries.py"
    queries.write_text(queries.read_text().replace("filter(organization=request.user.organization)",
                                                   "filter(total__gt=0)"))


def test_a_view_is_judged_again_when_a_module_it_imports_changes(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The view's verdict comes from the helper's body, which astroid reads through the import;
    the index is the same before and after."""
    write(tmp_path, SHOP)
    assert run(tmp_path).findings == []
    _drop_the_helpers_filter(tmp_path)
    analysed = analysed_files(monkeypatch)
    warm = run(tmp_path)
    assert sorted(analysed) == ["shop/queries.py", "shop/views.py"]
    assert [(f.path, f.line) for f in warm.findings] == [("shop/queries.py", 5), ("shop/views.py", 7)]
    assert same(warm, run(tmp_path, cache=False))


def test_every_view_whose_inference_read_a_helper_is_judged_again_when_it_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two views import the helper from the module that re-exports it: their inference reads
    the helper's module through one they import, the second view's maybe through answers
    astroid kept for the first (see `test_reach.py`). Both are judged again, the re-exporting
    module not: nothing of it changed."""
    view = '''from django.http import JsonResponse

from .services import visible_invoices


def {name}(request, pk):
    return JsonResponse({{"total": visible_invoices(request).get(pk=pk).total}})
'''
    write(tmp_path, {**SHOP, "shop/services.py": "from .queries import visible_invoices  # the service layer\n",
                     "shop/views.py": view.format(name="invoice_detail"),
                     "shop/reports.py": view.format(name="invoice_total")})
    assert run(tmp_path).findings == []
    _drop_the_helpers_filter(tmp_path)
    analysed = analysed_files(monkeypatch)
    warm = run(tmp_path)
    assert sorted(analysed) == ["shop/queries.py", "shop/reports.py", "shop/views.py"]
    assert {f.path for f in warm.findings} == {"shop/queries.py", "shop/reports.py", "shop/views.py"}
    assert same(warm, run(tmp_path, cache=False))


BACKENDS = {
    "config/__init__.py": "",
    "config/settings.py": 'REST_FRAMEWORK = {"DEFAULT_FILTER_BACKENDS": ["shop.filters.OrganizationFilterBackend"]}\n',
    "shop/filters.py": '''from rest_framework.filters import BaseFilterBackend


class OrganizationFilterBackend(BaseFilterBackend):
    def filter_queryset(self, request, queryset, view):
        return queryset.filter(organization=request.user.organization)
''',
    "shop/api.py": '''from rest_framework import viewsets

from .models import Invoice


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    def get_queryset(self):
        return Invoice.objects.all()
''',
}


def test_every_file_is_judged_again_when_a_class_its_settings_name_changes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """DRF runs the filter backend that the settings name by a string on every view, and the
    views import nothing from it: a change to the backend's module reaches every file."""
    write(tmp_path, {**SHOP, **BACKENDS})
    assert run(tmp_path).findings == []
    backend = tmp_path / "shop" / "filters.py"
    backend.write_text(backend.read_text() + "# tuned\n")
    analysed = analysed_files(monkeypatch)
    warm = run(tmp_path)
    assert {"shop/api.py", "shop/views.py", "shop/filters.py"} <= set(analysed)
    assert same(warm, run(tmp_path, cache=False))


def test_links_planted_in_the_cache_are_never_written_through(project: Path, tmp_path: Path) -> None:
    """A repository may carry a `.prodready_cache/` of its own making: a scan writes nothing
    outside the project, whatever links the cache holds."""
    cold = run(project, cache=False)
    run(project)
    entries = sorted(path.relative_to(project / CACHE_DIR) for path in (project / CACHE_DIR).rglob("*.json"))
    assert entries
    shutil.rmtree(project / CACHE_DIR)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / CACHE_DIR).symlink_to(elsewhere)  # the whole cache, somewhere else
    assert same(run(project), cold)
    assert list(elsewhere.iterdir()) == []
    (project / CACHE_DIR).unlink()

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    for entry in entries:  # each entry a link to the victim
        (project / CACHE_DIR / entry).parent.mkdir(parents=True, exist_ok=True)
        (project / CACHE_DIR / entry).symlink_to(victim)
    (project / CACHE_DIR / "CACHEDIR.TAG").symlink_to(tmp_path / "made_by_the_tag")
    assert same(run(project), cold)
    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "made_by_the_tag").exists()
    assert same(run(project), cold)  # and the cache written in their place serves


@pytest.mark.parametrize("content", ["[]", '"text"', "1", "null", "[" * 100_000 + "]" * 100_000])
def test_a_cache_file_of_any_shape_is_ignored(project: Path, content: str) -> None:
    cold = run(project, cache=False)
    run(project)
    for entry in (project / CACHE_DIR).rglob("*.json"):
        entry.write_text(content)
    assert same(run(project), cold)


def test_kept_facts_of_the_wrong_shape_cost_a_parse(project: Path) -> None:
    """Entries that name the files' current texts, with facts that are not what the index
    reads: each is read back through its type, dropped, and the module parsed instead."""
    cold = run(project, cache=False)
    run(project)
    facts_file = kept_facts_file(project)
    modules = read_kept_facts(facts_file)
    junk = [{"calls": "x"}, '{"calls": "x"}', "[[1, 2]]", "text", '{"nested": [[[[]]]]}', "[" * 100_000, None]
    for number, entry in enumerate(modules.values()):
        if isinstance(entry.get("facts"), dict):
            entry["facts"] = {key: junk[number % len(junk)] for key in entry["facts"]}
        if "imports" in entry:
            entry["imports"] = [1, None]
        if "imported" in entry and number % 2:
            entry["imported"] = "billing.models"
        if "built" in entry and number % 3 == 0:
            entry["built"] = [None]
    facts_file.write_bytes(pack_facts(modules).replace(b'"facts":[0,', b'"facts":[-5,', 1))
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    assert same(run(project), run(project, cache=False))
    assert cold.findings


def test_facts_kept_by_an_earlier_format_are_set_aside(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Facts were once kept as JSON values, not texts; some of those values are strings (a
    module's `global_criteria` is ""), which must not be read as the texts of facts: a module
    standing in with them would lack the rest, and each would cost the index a new start."""
    run(project)
    facts_file = kept_facts_file(project)
    modules = read_kept_facts(facts_file)
    for entry in modules.values():
        if isinstance(entry.get("facts"), dict):
            entry["facts"] = {key: json.loads(text) for key, text in entry["facts"].items()}
    assert any(value == "" for entry in modules.values() for value in entry.get("facts", {}).values())
    facts_file.write_text(json.dumps({"format": 2, "modules": modules}))  # one JSON document, as they were
    starts = []
    real = engine.module_digests
    monkeypatch.setattr(engine, "module_digests", lambda *args: starts.append(1) or real(*args))
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    assert same(run(project), run(project, cache=False))
    assert len(starts) == 1


def test_kept_facts_that_lack_what_every_module_holds_cost_a_few_starts(project: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Each module stands in with one fact of those the index asks: each one it lacks would
    cost the index a new start, so after a few every tree is built at once."""
    run(project)
    facts_file = kept_facts_file(project)
    modules = read_kept_facts(facts_file)
    for entry in modules.values():
        if isinstance(entry.get("facts"), dict):
            entry["facts"] = {key: text for key, text in entry["facts"].items() if key == "global_criteria"}
    write_kept_facts(facts_file, modules)
    starts = []

    def counted(work: Callable) -> Callable:
        return lambda *args: starts.append(1) or work(*args)

    for name in ("index_files", "module_digests"):
        monkeypatch.setattr(engine, name, counted(getattr(engine, name)))
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    assert same(run(project), run(project, cache=False))
    assert len(starts) <= 2 * 8 + 3  # the changed run's digests and index, the cold run's index


def test_entries_planted_with_values_no_run_writes_are_ignored(project: Path) -> None:
    """Entries of the right shape with values of the wrong type (a file's problems that are not
    text, a module kept under a name no file can have), and entries that are pipes: the run
    goes on as if they were not there."""
    cold = run(project, cache=False)
    run(project)
    (files_file,) = (project / CACHE_DIR).rglob("*.files.json")
    data = json.loads(files_file.read_text())
    for entry in data["files"].values():
        entry["problems"] = [None, 1]
    files_file.write_text(json.dumps(data))
    facts_file = kept_facts_file(project)
    modules = read_kept_facts(facts_file)
    modules["a" * 5000] = {"own": "", "unwanted": True}
    write_kept_facts(facts_file, modules)
    edit(project / "billing" / "views.py", "def ", "# looked up by the URL's id\ndef ")
    assert same(run(project), run(project, cache=False))
    for entry in [*(project / CACHE_DIR).rglob("*.json"), facts_file]:
        entry.unlink()
        os.mkfifo(entry)
    done = subprocess.run([PRODREADY, "check", str(project), "--format", "json"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert len(json.loads(done.stdout)["findings"]) == len(cold.findings)


def test_a_file_whose_name_is_not_utf8_is_kept_like_any_other(project: Path) -> None:
    """pydantic's JSON writer, which the cache uses, refuses a lone surrogate (a byte of the
    name that is not UTF-8): such a cache is written escaped, as the standard library writes it."""
    feeds = project / "projects" / "feeds.py"
    odd = feeds.with_name(os.fsdecode(b"feeds_\xff.py"))
    shutil.copy(feeds, odd)
    cold = run(project)
    assert any(finding.path.startswith("projects/feeds_") for finding in cold.findings)
    assert "projects/feeds_\udcff.py" in read_kept_facts(kept_facts_file(project))
    odd.write_text("# changed\n" + odd.read_text())
    assert same(run(project), run(project, cache=False))
