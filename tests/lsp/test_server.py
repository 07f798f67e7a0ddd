"""The language server as an editor uses it: open, type, fix, hover, reconfigure."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound
from pytest_lsp import LanguageClient

from analyzer.fixes.apply import apply_edits
from analyzer.model import TextEdit
from tests.expectations import parse_annotations

from .conftest import codes_and_lines, open_document, published, republished, start
from .shop import HELPER, MODELS, UNSCOPED_HELPER, VIEWS, write_helper_and_caller, write_shop

pytestmark = pytest.mark.e2e
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def change(client: LanguageClient, uri: str, version: int, edits: list[tuple[types.Range, str]]) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(range=r, text=t) for r, t in edits]))


async def code_actions(client: LanguageClient, uri: str, where: types.Range, diagnostics: list[types.Diagnostic],
                       only: list[str] | None = None) -> list[types.CodeAction]:
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=where,
        context=types.CodeActionContext(diagnostics=diagnostics, only=only)))


def whole_file(text: str) -> types.Range:
    lines = text.split("\n")
    return types.Range(start=types.Position(line=0, character=0),
                       end=types.Position(line=len(lines) - 1, character=len(lines[-1])))


def apply_lsp_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply edits given in UTF-16 positions, as the client would."""
    lines = text.split("\n")

    def column(line: int, units: int) -> int:
        encoded = lines[line].encode("utf-16-le")[: units * 2]
        return len(encoded.decode("utf-16-le")) + 1

    return apply_edits(text, [TextEdit(path="", line=e.range.start.line + 1,
                                       column=column(e.range.start.line, e.range.start.character),
                                       end_line=e.range.end.line + 1,
                                       end_column=column(e.range.end.line, e.range.end.character),
                                       new_text=e.new_text) for e in edits])


async def test_diagnostics_on_open_are_the_fixture_expectations(client: LanguageClient) -> None:
    root = FIXTURES / "django_saas"
    await start(client, root)
    path = root / "projects" / "api.py"
    uri = open_document(client, path)
    diagnostics = await published(client, uri, 1)
    expected = sorted((a.code, a.line) for a in parse_annotations(path.read_text(), str(path)) if a.kind == "expect")
    assert codes_and_lines(diagnostics) == expected
    assert all(d.source == "prodready" and d.code_description and d.code_description.href for d in diagnostics)


async def test_ranges_count_utf16_units_after_non_ascii_text(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    diagnostics = {str(d.code): d for d in await published(client, uri, 1)}
    line_text = VIEWS.split("\n")[6]
    start_units = len(line_text[: line_text.index("Invoice.objects")].encode("utf-16-le")) // 2
    end_units = len(line_text.rstrip().encode("utf-16-le")) // 2
    assert diagnostics["TEN001"].range == types.Range(start=types.Position(line=6, character=start_units),
                                                      end=types.Position(line=6, character=end_units))
    assert start_units == line_text.index("Invoice.objects") + 1  # the emoji is two UTF-16 units
    assert diagnostics["TEN001"].severity == types.DiagnosticSeverity.Error


async def test_a_quick_fix_applies_and_its_diagnostic_clears(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    cookie = next(d for d in await published(client, uri, 1) if d.code == "AUTH003")
    actions = await code_actions(client, uri, cookie.range, [cookie])
    fix = next(a for a in actions if a.is_preferred)
    assert fix.kind == types.CodeActionKind.QuickFix and fix.edit is not None
    fixed = apply_lsp_edits(VIEWS, fix.edit.changes[uri])
    assert 'set_cookie("session_token", request.session.session_key, httponly=True, secure=True, samesite="Lax")' \
        in fixed
    change(client, uri, 2, [(whole_file(VIEWS), fixed)])
    assert [d.code for d in await published(client, uri, 2)] == ["TEN001"]


async def test_suppress_on_this_line_resolves_to_a_comment_that_silences_it(client: LanguageClient,
                                                                           tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    leak = next(d for d in await published(client, uri, 1) if d.code == "TEN001")
    actions = await code_actions(client, uri, leak.range, [leak], only=[types.CodeActionKind.QuickFix])
    titles = [a.title for a in actions]
    assert titles == ["Suppress TEN001 on this line", "Suppress TEN001 in this file"]
    fixed = apply_lsp_edits(VIEWS, actions[0].edit.changes[uri])
    assert fixed.split("\n")[6].endswith("Invoice.objects.get(pk=invoice_id)  # prodready: ignore[TEN001]")
    change(client, uri, 2, [(whole_file(VIEWS), fixed)])
    assert [d.code for d in await published(client, uri, 2)] == ["AUTH003"]


async def test_fix_all_is_resolved_lazily_where_the_client_can(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)  # VS Code resolves code actions
    uri = open_document(client, root / "shop" / "views.py")
    await published(client, uri, 1)
    (action,) = await code_actions(client, uri, whole_file(VIEWS), [], only=["source.fixAll.prodready"])
    assert action.edit is None
    resolved = await client.code_action_resolve_async(action)
    assert "httponly=True" in apply_lsp_edits(VIEWS, resolved.edit.changes[uri])


async def test_fix_all_applies_every_safe_fix(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root, editor="emacs")  # cannot resolve code actions: the edit comes at once
    uri = open_document(client, root / "shop" / "views.py")
    await published(client, uri, 1)
    actions = await code_actions(client, uri, whole_file(VIEWS), [], only=[types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in actions] == ["source.fixAll.prodready"]
    fixed = apply_lsp_edits(VIEWS, actions[0].edit.changes[uri])
    assert "httponly=True" in fixed and fixed.count("\n") == VIEWS.count("\n")


async def test_hover_on_a_diagnostic_shows_the_rule_documentation(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    leak = next(d for d in await published(client, uri, 1) if d.code == "TEN001")
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=leak.range.start))
    assert result is not None and result.contents.kind == types.MarkupKind.Markdown
    assert "TEN001" in result.contents.value
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=0)))
    assert nothing is None


async def test_an_unsaved_models_edit_changes_the_verdict_in_views(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    views = open_document(client, root / "shop" / "views.py")
    assert "TEN001" in [d.code for d in await published(client, views, 1)]
    models = open_document(client, root / "shop" / "models.py")
    await published(client, models, 1)
    published_before = len(client.published)  # type: ignore[attr-defined]
    # Invoices stop belonging to an organization: a lookup by id is no longer a cross-tenant read.
    unscoped = MODELS.replace("    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)\n    "
                              "customer", "    customer")
    assert unscoped != MODELS
    change(client, models, 2, [(whole_file(MODELS), unscoped)])
    assert [d.code for d in await republished(client, views, published_before)] == ["AUTH003"]


@pytest.mark.parametrize("how", ["edited and saved", "changed on disk"])
async def test_a_helper_that_loses_its_filter_changes_the_verdict_in_an_open_caller(client: LanguageClient,
                                                                                    tmp_path: Path, how: str) -> None:
    """The index does not change, but the caller's verdict, inferred through the helper, does."""
    queries, detail = write_helper_and_caller(tmp_path)
    await start(client, tmp_path)
    caller = open_document(client, detail)
    assert await published(client, caller, 1) == []
    if how == "edited and saved":
        helper = open_document(client, queries)
        await published(client, helper, 1)
    count = len(client.published)  # type: ignore[attr-defined]
    queries.write_text(UNSCOPED_HELPER)
    if how == "edited and saved":
        change(client, helper, 2, [(whole_file(HELPER), UNSCOPED_HELPER)])
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=helper)))
    else:
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=queries.as_uri(), type=types.FileChangeType.Changed)]))
    assert [d.code for d in await republished(client, caller, count)] == ["TEN001"]


async def test_a_file_changed_on_disk_updates_the_index(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    views = open_document(client, root / "shop" / "views.py")
    assert "TEN001" in [d.code for d in await published(client, views, 1)]
    assert any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
               for r in client.registrations)  # type: ignore[attr-defined]
    count = len(client.published)  # type: ignore[attr-defined]
    models_path = root / "shop" / "models.py"
    models_path.write_text(MODELS.replace("    organization = models.ForeignKey(Organization, "
                                          "on_delete=models.CASCADE)\n    customer", "    customer"))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=models_path.as_uri(), type=types.FileChangeType.Changed)]))
    assert [d.code for d in await republished(client, views, count)] == ["AUTH003"]


async def test_rapid_edits_coalesce_and_the_newest_version_is_published_last(client: LanguageClient,
                                                                            tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    await published(client, uri, 1)
    text = VIEWS
    for version in range(2, 22):  # twenty keystrokes, sent without waiting
        position = types.Position(line=0, character=0)
        change(client, uri, version, [(types.Range(start=position, end=position), "#")])
        text = "#" + text
    final = await published(client, uri, 21)
    assert sorted(str(d.code) for d in final) == ["AUTH003", "TEN001"]
    versions = [p.version for p in client.published if p.uri == uri]  # type: ignore[attr-defined]
    assert versions == sorted(versions) and versions[-1] == 21


async def test_pull_diagnostics_for_clients_that_ask(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    result = await start(client, root, editor="neovim@v0.11.0")
    assert result.capabilities.diagnostic_provider is not None
    uri = open_document(client, root / "shop" / "views.py")
    report = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert codes_and_lines(report.items) == [("AUTH003", 18), ("TEN001", 7)]
    workspace = await client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[]))
    assert [item.uri for item in workspace.items] == [uri]


async def test_settings_from_initialization_options(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root, options={"ignore": ["TEN"], "severity": {"AUTH003": "hint"}})
    uri = open_document(client, root / "shop" / "views.py")
    diagnostics = await published(client, uri, 1)
    assert [(d.code, d.severity) for d in diagnostics] == [("AUTH003", types.DiagnosticSeverity.Hint)]


async def shop_selecting(client: LanguageClient, tmp_path: Path, select: list[str]) -> tuple[Path, str, int]:
    """The shop, with `select` as its folder's settings and its views open and analysed: the
    root, the views' URI and how many publications came so far."""
    root = write_shop(tmp_path)
    client.set_configuration({"select": select}, section="prodready", scope_uri=root.as_uri())
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    await published(client, uri, 1)
    return root, uri, len(client.published)  # type: ignore[attr-defined]


def change_selection(client: LanguageClient, root: Path, select: list[str]) -> None:
    client.set_configuration({"select": select}, section="prodready", scope_uri=root.as_uri())
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))


async def test_workspace_configuration_is_applied_again_on_change(client: LanguageClient, tmp_path: Path) -> None:
    root, uri, count = await shop_selecting(client, tmp_path, ["AUTH"])
    assert [d.code for d in client.diagnostics[uri]] == ["AUTH003"]
    change_selection(client, root, ["TEN"])
    assert [d.code for d in await republished(client, uri, count)] == ["TEN001"]


async def test_a_burst_of_configuration_changes_is_applied_once(client: LanguageClient, tmp_path: Path) -> None:
    """An editor tells of every setting it changes, ours or not: the project is read again once,
    with the settings of the last change, and not at all for a change that leaves them as they were."""
    root, uri, count = await shop_selecting(client, tmp_path, ["AUTH"])
    for select in (["AUTH"], ["TEN", "AUTH"], ["AUTH"], ["TEN"], ["TEN"]):
        change_selection(client, root, select)
    assert [d.code for d in await republished(client, uri, count)] == ["TEN001"]
    hover = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(6, 40))
    await client.text_document_hover_async(hover)  # answered after whatever the changes queued
    assert sum("its files are read again" in m.message for m in client.log_messages) == 1
    change_selection(client, root, ["TEN"])
    await client.text_document_hover_async(hover)
    assert sum("its files are read again" in m.message for m in client.log_messages) == 1


async def test_a_folder_removed_before_it_was_indexed_is_not_indexed(client: LanguageClient, tmp_path: Path) -> None:
    first = write_shop(tmp_path / "first")
    second = write_shop(tmp_path / "second")
    await start(client, first)
    await published(client, open_document(client, first / "shop" / "views.py"), 1)
    folder = types.WorkspaceFolder(uri=second.as_uri(), name="second")
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=[folder], removed=[])))
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=[], removed=[folder])))
    views = open_document(client, second / "shop" / "views.py")
    assert [d.code for d in await published(client, views, 1)] == ["AUTH003"]  # alone: its models are not read
    assert any("outside the workspace" in m.message and "second" in m.message for m in client.log_messages)


async def test_unknown_methods_and_closed_documents(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    with pytest.raises(JsonRpcMethodNotFound):
        await client.protocol.send_request_async("prodready/noSuchMethod", {})
    # Never opened: answered from the file on disk.
    uri = (root / "shop" / "views.py").as_uri()
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=6, character=40)))
    assert result is not None and "TEN001" in result.contents.value


def test_version_and_help_need_no_client() -> None:
    script = Path(sys.executable).parent / "prodready-lsp"
    for command in ([sys.executable, "-m", "lsp_server", "--version"], [str(script), "--version"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                              cwd=Path(__file__).resolve().parents[2])
        assert done.returncode == 0 and done.stdout.startswith("prodready-lsp ")


def at(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


async def test_incremental_edits_keep_the_servers_text_the_clients(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    await published(client, uri, 1)
    label_line = VIEWS.split("\n")[6]
    after_emoji = len(label_line[: label_line.index(" facture")].encode("utf-16-le")) // 2
    scoped = VIEWS.split("\n").index("    invoices = Invoice.objects.filter(organization=request.user.organization)")
    edits = [
        (types.Range(start=at(1, 0), end=at(1, 0)), "import logging\n"),  # insert a line
        (types.Range(start=at(7, after_emoji), end=at(7, after_emoji + len(" facture"))), ""),  # delete after 🧾
        (types.Range(start=at(scoped + 1, 4), end=at(scoped + 2, 10)),  # replace across lines
         'invoices = Invoice.objects.filter(\n        number__startswith="2026",\n    )\n    return'),
    ]
    text = VIEWS
    for version, (edit_range, new_text) in enumerate(edits, start=2):
        text = apply_lsp_edits(text, [types.TextEdit(range=edit_range, new_text=new_text)])
        change(client, uri, version, [(edit_range, new_text)])
    assert "🧾\"; invoice" in text and 'number__startswith="2026"' in text
    edited = await published(client, uri, len(edits) + 1)
    copy = open_document(client, root / "shop" / "views_copy.py", text=text)
    fresh = await published(client, copy, 1)
    assert [(d.code, d.range) for d in edited] == [(d.code, d.range) for d in fresh]
    assert ("TEN001", scoped + 2) in codes_and_lines(edited)  # the unscoped query typed over two lines


async def test_shutdown_and_exit_end_the_process(client: LanguageClient, tmp_path: Path) -> None:
    await start(client, write_shop(tmp_path))
    await client.shutdown_async(None)
    client.exit(None)
    server = client._server  # type: ignore[attr-defined]
    assert await asyncio.wait_for(server.wait(), 30) == 0
    client.capabilities = None  # the fixture's own shutdown has nothing left to do


async def test_a_file_that_cannot_be_parsed_is_logged_and_the_server_goes_on(client: LanguageClient,
                                                                            tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    broken = open_document(client, root / "shop" / "broken.py", text="def half(:\n    pass\n")
    assert await published(client, broken, 1) == []
    assert any("broken.py" in m.message and "syntax" in m.message.lower() for m in client.log_messages)
    views = open_document(client, root / "shop" / "views.py")
    assert "TEN001" in [d.code for d in await published(client, views, 1)]


async def test_a_buffer_over_max_file_size_is_skipped_as_a_file_would_be(client: LanguageClient,
                                                                         tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    # Twenty megabytes of a generated module: parsing it would hold up every other document.
    huge = VIEWS + "".join(f"TABLE_{n} = {'x' * 1000!r}\n" for n in range(20_000))
    big = open_document(client, root / "shop" / "generated.py", text=huge)
    assert await published(client, big, 1) == []
    at_start = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    change(client, big, 2, [(at_start, "# edited\n")])
    assert await published(client, big, 2) == []
    complaints = [m.message for m in client.log_messages if "generated.py" in m.message]
    assert len(complaints) == 1 and "max-file-size" in complaints[0]  # once, not at every keystroke
    views = open_document(client, root / "shop" / "views.py")
    assert "TEN001" in [d.code for d in await published(client, views, 1)]


async def test_pipes_devices_and_link_loops_in_the_workspace_do_not_stall_indexing(client: LanguageClient,
                                                                                   tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    os.mkfifo(root / "shop" / "pipe.py")  # a read blocks until someone writes
    os.symlink("/dev/zero", root / "shop" / "zero.py")  # a read never ends
    os.symlink("loop_b.py", root / "shop" / "loop_a.py")
    os.symlink("loop_a.py", root / "shop" / "loop_b.py")
    await start(client, root)
    views = open_document(client, root / "shop" / "views.py")
    assert "TEN001" in [d.code for d in await published(client, views, 1)]


async def test_indexing_reports_progress_before_the_first_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    await published(client, uri, 1)
    (reports,) = client.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].message == "Indexing…"
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)


async def test_a_folder_added_to_the_workspace_is_indexed(client: LanguageClient, tmp_path: Path) -> None:
    first = write_shop(tmp_path / "first")
    second = write_shop(tmp_path / "second")
    # The models live in another package: only the folder's own index knows Invoice belongs to a tenant.
    (second / "core").mkdir()
    (second / "core" / "__init__.py").write_text("")
    (second / "shop" / "models.py").rename(second / "core" / "models.py")
    views = second / "shop" / "views.py"
    views.write_text(views.read_text().replace("from .models import Invoice", "from core.models import Invoice"))
    await start(client, first)
    await published(client, open_document(client, first / "shop" / "views.py"), 1)  # indexed
    client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=[types.WorkspaceFolder(uri=second.as_uri(), name="second")],
                                                removed=[])))
    uri = open_document(client, second / "shop" / "views.py")
    assert sorted(str(d.code) for d in await published(client, uri, 1)) == ["AUTH003", "TEN001"]


async def test_a_file_outside_the_workspace_is_analysed_with_the_files_opened_beside_it(client: LanguageClient,
                                                                                        tmp_path: Path) -> None:
    """Its folder is not walked (go to definition opens files in site-packages, and a file in
    /tmp would index all of /tmp); the files opened from it are analysed together."""
    inside = write_shop(tmp_path / "inside")
    outside = write_shop(tmp_path / "outside")
    await start(client, inside)
    views = open_document(client, outside / "shop" / "views.py")
    assert [d.code for d in await published(client, views, 1)] == ["AUTH003"]  # its models are not read
    assert any("outside the workspace" in m.message and "views.py" in m.message for m in client.log_messages)
    published_before = len(client.published)  # type: ignore[attr-defined]
    open_document(client, outside / "shop" / "models.py")
    assert sorted(str(d.code) for d in await republished(client, views, published_before)) == ["AUTH003", "TEN001"]


async def test_a_workspace_whose_path_needs_escaping_in_a_uri_is_served(client: LanguageClient,
                                                                          tmp_path: Path) -> None:
    """`file:///home/me/my%20shop%20%C3%A9/...`: pygls keeps documents by the decoded URI, and
    the server must find them by the URI the client sends, or it publishes nothing."""
    root = write_shop(tmp_path / "my shop é #1")
    await start(client, root)
    views = open_document(client, root / "shop" / "views.py")
    assert "%20" in views
    assert "TEN001" in [d.code for d in await published(client, views, 1)]
    unscoped = VIEWS.replace("organization=request.user.organization", "number=request.GET['number']")
    change(client, views, 2, [(whole_file(VIEWS), unscoped)])
    assert [d.code for d in await published(client, views, 2)].count("TEN001") == 2
