"""prodready's language server: the table of contents.

Each LSP feature is registered here and handled in a few lines that call into `diagnostics`,
`code_actions`, `hover` and `project`. The state lives on `ProdreadyServer`. Analysis and
indexing run on one worker thread, off the event loop, because astroid's caches are shared
and not thread-safe; the event loop stays free to take the next keystroke.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from uuid import uuid4

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

import analyzer
from analyzer.config import find_config_file, marked_root
from analyzer.engine import Superseded
from analyzer.model import Finding
from analyzer.workspace import language_of

from . import code_actions, hover, memory
from .diagnostics import to_diagnostic
from .documents import ProtocolDocument
from .positions import FastPositionCodec
from .project import CONFIG_NAMES, Project
from .scheduler import LatestWins
from .settings import SECTION, Settings, parse_settings
from .watchdog import watch_parent

log = logging.getLogger(__name__)


class _OneLineForUnfitParams(logging.Filter):
    """pygls logs a message whose params do not fit its method (a position past 2**31) with the
    whole exception group that cattrs raised, 5 KB for each such request; the client is answered
    InvalidParams all the same. The line that says what did not fit is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Unable to deserialize message\n%s" and record.args:
            lines = [line.strip(" |") for line in str(record.args[0]).splitlines()]
            cause = next((line for line in reversed(lines) if "Error: " in line), lines[-1] if lines else "")
            record.msg, record.args = "a message whose params do not fit its method: %s", (cause,)
        return True


logging.getLogger("pygls.protocol.json_rpc").addFilter(_OneLineForUnfitParams())

WATCHED = ["**/*.py", "**/*.sql", "**/*.{html,htm,jinja,jinja2,j2,djhtml}",
           "**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx,vue,svelte}", "**/{pyproject.toml,prodready.toml,.prodready.toml}"]


# How long no edit must arrive before the garbage of the analyses is collected. Shorter than a
# pause between words, longer than the gaps in a stream of edits being read in.
QUIET = 0.05

# How many files and folders the walk of a project guessed from a project file may meet before
# it is given up (a `.git` in a home folder): about half a second of walking.
GUESSED_PROJECT_LIMIT = 50_000

_DIGITS = re.compile(r"\d+")

# What `structure_message` hands on for a request it has already answered with an error.
ANSWERED = object()


class ProdreadyProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        """A request whose params do not fit its method (`"textDocument": 3`) is answered with
        InvalidParams, as JSON-RPC says; pygls logs it and leaves the client waiting for ever. Such
        a notification is dropped, with a line in the log, where pygls shows the user an error."""
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            request_id = data.get("id")
            if "method" in data and isinstance(request_id, int | str) and not isinstance(request_id, bool):
                self._send_response(request_id, error=error.to_response_error())
                return ANSWERED
            if "method" in data and "id" not in data:  # a notification gets no answer: pygls showed an error
                log.warning("%s with params that do not fit it: ignored", data["method"])
                return ANSWERED
            raise

    def _handle_notification(self, method_name: str, params: Any) -> None:
        """pygls files the future of a notification handled by a generator or a coroutine
        (didChange, didOpen, didSave...) under a fresh id, as if a response were to be sent, and
        never takes it out: one future, with its lock and condition, kept for every edit of a
        session. Each is taken out once done; not once cancelled, which pygls does while it goes
        through the table at shutdown."""
        before = set(self._request_futures)
        super()._handle_notification(method_name, params)
        for key in set(self._request_futures) - before:
            self._request_futures[key].add_done_callback(
                lambda future, key=key: None if future.cancelled() else self._request_futures.pop(key, None))

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        """A change to a document that is not open is dropped, with a line in the log: pygls
        raises KeyError, which the client shows as an error of the server."""
        if unquote(params.text_document.uri) not in self.workspace.text_documents:  # pygls's key
            log.warning("didChange for %s, which is not open: ignored", params.text_document.uri)
            return
        yield from super().lsp_text_document__did_change(params)

    def handle_message(self, message: Any) -> None:
        """After shutdown a request is refused with InvalidRequest, as the protocol says; pygls
        drops it without an answer, and a client waiting for one would wait for ever."""
        if message is ANSWERED:
            return
        method = getattr(message, "method", None)
        if self._shutdown and method not in (None, types.EXIT) and getattr(message, "id", None) is not None:
            self._send_response(message.id, error=JsonRpcInvalidRequest(
                message=f"{method}: the server is shutting down").to_response_error())
            return
        super().handle_message(message)


class ProdreadyServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("prodready", analyzer.__version__, protocol_cls=ProdreadyProtocol)
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prodready-analysis")
        self.stopping = False  # shut down: the worker takes nothing more
        self.projects: dict[Path, Project] = {}
        self.default_settings = Settings()
        self.folder_settings: dict[Path, Settings] = {}
        self.results: dict[str, tuple[int | None, list[Finding]]] = {}
        self.pulled: set[str] = set()  # documents whose client asks for diagnostics itself
        self.pushed: set[str] = set()
        self.problems: dict[str, list[str]] = {}  # per document: the problems last logged
        self.indexed = asyncio.Event()
        self.configuration_changes = 0  # how many the client has told of: only the latest is applied
        self.scheduler = LatestWins(self.analyse_and_publish, self.tidy, quiet=QUIET)
        self.loop: asyncio.AbstractEventLoop | None = None

    # --- logging -------------------------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        log.info(message)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    # --- projects ------------------------------------------------------------------------------

    def folders(self) -> list[Path]:
        """The workspace folders on this machine: an `http:` folder read as a path was `/`."""
        folders = [Path(to_fs_path(f.uri)) for f in (self.workspace.folders or {}).values()
                   if f.uri.startswith("file:")]
        if not folders and self.workspace.root_path:
            folders = [Path(self.workspace.root_path)]
        return [f.resolve() for f in folders]

    def project_for(self, path: Path) -> Project:
        """The project of the workspace folder that holds `path`, innermost first.

        A file outside every folder is analysed alone, with the files opened beside it: walking
        from it could index a home folder, or `/` (go to definition opens site-packages). A
        client with no workspace at all (an editor's single-file mode) gets the project that a
        project file marks around the file, unless its walk meets too many files; so does a file
        of a workspace folder whose walk met too many (`/`, see `_walk_limit`)."""
        path = path.resolve()
        project = self.holder(path)
        given_up = project is not None and project.alone and project.walk_limit is not None
        if project is not None and not given_up:
            return project
        root = _marked_root(path.parent) if given_up or not self.folders() else None
        if root is None:
            root = path.parent
            project = Project(root, self.settings_for(root), self._log_from_worker, alone=True)
            self._log_from_worker(f"{path} is outside the workspace: it is analysed without the other files "
                                  "of its project; add its folder to the workspace to index them")
        else:
            project = Project(root, self.settings_for(root), self._log_from_worker, walk_limit=GUESSED_PROJECT_LIMIT)
        project.build()
        self.projects[root] = project
        return project

    def holder(self, path: Path) -> Project | None:
        """The project, innermost first, whose folder holds `path` (resolved), if any."""
        projects = dict(self.projects)  # a copy: the worker asks while the event loop may add or remove
        holders = [root for root in projects if path.is_relative_to(root)]
        return projects[max(holders, key=lambda root: len(root.parts))] if holders else None

    def settings_for(self, root: Path) -> Settings:
        return self.folder_settings.get(root, self.default_settings)

    def settings_of(self, uri: str) -> Settings:
        """The settings a document is shown with, without building anything."""
        fs_path = to_fs_path(uri)
        if fs_path is None:
            return self.default_settings
        project = self.holder(Path(fs_path).resolve())
        return project.settings if project is not None else self.default_settings

    def _log_from_worker(self, message: str) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.log, message, types.MessageType.Warning)

    async def on_worker(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.worker, function, *args)

    async def build_projects(self) -> None:
        token = str(uuid4())
        window = self.client_capabilities.window
        progress = bool(window and window.work_done_progress)
        if progress:
            try:
                await self.work_done_progress.create_async(token)
                self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="prodready", message="Indexing…",
                                                                                 percentage=0))
            except Exception:  # the client refused: index without a progress bar
                progress = False

        def report(done: int, total: int) -> None:
            if progress and self.loop is not None and (done == total or done % 50 == 0):
                percentage = int(100 * done / max(total, 1))
                self.loop.call_soon_threadsafe(self.work_done_progress.report, token, types.WorkDoneProgressReport(
                    message=f"Indexing… {done}/{total} files", percentage=percentage))

        try:
            for root in self.folders():
                project = Project(root, self.settings_for(root), self._log_from_worker, walk_limit=_walk_limit(root))
                try:
                    skipped = await self.on_worker(project.build, report)
                except Exception:  # a bug of ours: the folder's files are served without an index
                    self.log(f"prodready failed to index {root}; please report it:\n{traceback.format_exc()}",
                             types.MessageType.Error)
                    skipped = []
                self.projects[root] = project
                for item in skipped:
                    self.log(f"{item.path}: skipped: {item.reason}", types.MessageType.Log)
            await self.on_worker(memory.settle)
        finally:  # requests wait for this: it must happen, whatever went wrong above
            if progress:
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message="Indexed"))
            self.indexed.set()
            self.scheduler.ready()

    # --- analysis ------------------------------------------------------------------------------

    def is_open(self, uri: str) -> bool:
        return unquote(uri) in self.workspace.text_documents  # pygls keeps them by the decoded URI

    def open_uris(self) -> list[str]:
        """The open documents, by the URI the client gave them (`file:///a%20b.py`)."""
        return [document.uri for document in self.workspace.text_documents.values()]

    def _analyse(self, path: Path, text: str, superseded: Callable[[], bool] | None = None
                 ) -> tuple[list[Finding], list[str], bool, Project]:
        """On the worker thread: take the buffer into the project, then analyse it."""
        project = self.project_for(path)
        problems: list[str] = []
        memory.hold()  # until `tidy`, once the diagnostics are out
        try:
            findings, reindexed = project.analyse(path, text, problems, superseded)
        except Superseded:  # a newer version waits: its analysis follows at once
            return [], [], False, project
        except Exception:  # a bug of ours: log it, keep serving
            self._log_from_worker(f"prodready failed on {path}; please report it:\n{traceback.format_exc()}")
            return [], [], False, project
        if reindexed:
            memory.settle()
        return findings, problems, reindexed, project

    async def findings_of(self, document: TextDocument) -> list[Finding]:
        """Findings for the document's text now: from the last analysis if it is current."""
        await self.indexed.wait()
        cached = self.results.get(document.uri)
        if cached is not None and cached[0] == document.version and self.is_open(document.uri):
            return cached[1]
        fs_path = to_fs_path(document.uri)
        if fs_path is None:  # `untitled:`, `http:`: no file, so no language or project to judge it by
            return []
        source = document.source  # a document never opened is read from the disk, if it is a file (`documents`)
        findings, problems, reindexed, project = await self.on_worker(self._analyse, Path(fs_path), source)
        self._after_analysis(document.uri, problems, reindexed, project)
        if self.is_open(document.uri):
            self.results[document.uri] = (document.version, findings)
        self.scheduler.request_idle()  # the caller answers first; the garbage is collected after
        return findings

    async def analyse_and_publish(self, uri: str) -> None:
        if self.stopping or not self.is_open(uri):
            return
        document = self.workspace.get_text_document(uri)
        version = document.version
        fs_path = to_fs_path(uri)
        if fs_path is None:
            return
        findings, problems, reindexed, project = await self.on_worker(
            self._analyse, Path(fs_path), document.source, lambda: document.version != version)
        self._after_analysis(uri, problems, reindexed, project)
        if not self.is_open(uri) or self.workspace.get_text_document(uri).version != version:
            return  # a newer version is already wanted: never publish over it
        self.results[uri] = (version, findings)
        if uri not in self.pulled:
            self.publish(document, findings, version)

    async def tidy(self) -> None:
        """No analysis waits: collect their garbage, on the worker, ahead of the next one."""
        if not self.stopping:
            await self.on_worker(memory.release)

    def _after_analysis(self, uri: str, problems: list[str], reindexed: bool, project: Project) -> None:
        """Problems are logged when they change, numbers aside: a buffer over max-file-size, or
        a half-typed line, would otherwise be logged again at every keystroke, with a new size
        or line each time."""
        kinds = [_DIGITS.sub("#", problem) for problem in problems]
        if kinds != self.problems.get(uri, []):
            for problem in problems:
                self.log(f"{to_fs_path(uri)}: {problem}", types.MessageType.Warning)
        self.problems[uri] = kinds
        if reindexed:
            self.reanalyse(project, except_uri=uri)

    def reanalyse(self, project: Project | None = None, except_uri: str | None = None) -> None:
        """The index changed: every other open document of the project may be judged anew."""
        for uri in self.open_uris():
            if uri == except_uri:
                continue
            if project is None or Path(to_fs_path(uri)).resolve().is_relative_to(project.root):
                self.results.pop(uri, None)
                self.scheduler.request(uri)
        capabilities = self.client_capabilities.workspace
        if self.pulled and capabilities and capabilities.diagnostics and capabilities.diagnostics.refresh_support:
            self.workspace_diagnostic_refresh(None)

    def publish(self, document: TextDocument, findings: list[Finding], version: int | None) -> None:
        diagnostics = self.diagnostics_of(document, findings)
        self.pushed.add(document.uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=document.uri, diagnostics=diagnostics, version=version))

    def clear(self, uri: str) -> None:
        self.pushed.discard(uri)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def diagnostics_of(self, document: TextDocument, findings: list[Finding]) -> list[types.Diagnostic]:
        settings = self.settings_of(document.uri)
        lines = document.lines
        return [to_diagnostic(f, lines, document.position_codec, settings) for f in findings]

    # --- settings ------------------------------------------------------------------------------

    async def fetch_settings(self, change: int | None = None) -> None:
        """Per-folder settings from `workspace/configuration`, over the initialization options;
        not taken if another configuration change than `change` has come since they were asked."""
        workspace = self.client_capabilities.workspace
        folders = self.folders()
        if not (workspace and workspace.configuration and folders):
            return
        try:
            answers = await self.workspace_configuration_async(types.ConfigurationParams(items=[
                types.ConfigurationItem(scope_uri=from_fs_path(str(folder)), section=SECTION) for folder in folders]))
        except Exception as error:  # a client that cannot answer keeps the initialization options
            self.log(f"workspace/configuration failed: {error}", types.MessageType.Warning)
            return
        if change is not None and change != self.configuration_changes:
            return
        for folder, answer in zip(folders, answers or [], strict=False):
            if isinstance(answer, dict) and answer:
                settings, problem = parse_settings(answer)
                if problem:
                    self.log(problem, types.MessageType.Warning)
                self.folder_settings[folder] = settings


def _marked_root(folder: Path) -> Path | None:
    """The folder of the nearest prodready configuration or project file above `folder`."""
    found = find_config_file(folder)
    return found.parent if found is not None else marked_root(folder)


server = ProdreadyServer()


def _walk_limit(folder: Path) -> int | None:
    """A workspace folder that holds the home folder (`/`, `/home`) is walked as a guessed
    project is, and given up past the limit: it held every answer back while it was walked."""
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError, OSError):  # no home to be found: the root of the file system stands for it
        home = Path(folder.anchor)
    return GUESSED_PROJECT_LIMIT if home.is_relative_to(folder) or folder == Path(folder.anchor) else None


def _document_maker(workspace: Any) -> Callable[..., ProtocolDocument]:
    """The workspace's documents as `ProtocolDocument`s (see `documents`)."""
    def make(uri: str, source: str | None = None, version: int | None = None,
             language_id: str | None = None) -> ProtocolDocument:
        return ProtocolDocument(uri, source=source, version=version, language_id=language_id,
                                sync_kind=workspace._sync_kind, position_codec=workspace._position_codec)
    return make


@server.feature(types.INITIALIZE)
def initialize(ls: ProdreadyServer, params: types.InitializeParams) -> None:
    ls.loop = asyncio.get_running_loop()
    # pygls made the workspace just before this handler, with a codec that converts columns in
    # Python; documents, opened later, take the workspace's codec.
    ls.workspace._position_codec = FastPositionCodec(ls.workspace.position_codec.encoding)
    ls.workspace._create_text_document = _document_maker(ls.workspace)  # type: ignore[method-assign]
    if params.process_id is not None:
        watch_parent(params.process_id)
    settings, problem = parse_settings(params.initialization_options)
    ls.default_settings = settings
    if problem:
        log.warning(problem)


@server.feature(types.INITIALIZED)
async def initialized(ls: ProdreadyServer, params: types.InitializedParams) -> None:
    workspace = ls.client_capabilities.workspace
    watched = workspace and workspace.did_change_watched_files
    if watched and watched.dynamic_registration:
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[types.Registration(
                id=str(uuid4()), method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]))]))
        except Exception as error:  # the index then follows open buffers only
            ls.log(f"could not watch the workspace's files: {error}", types.MessageType.Warning)
    await ls.fetch_settings()
    await ls.build_projects()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ProdreadyServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.scheduler.request(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ProdreadyServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.scheduler.request(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ProdreadyServer, params: types.DidSaveTextDocumentParams) -> None:
    """A saved module may change the verdict on the other open documents of its project without
    changing the index (a helper they call lost its filter): they are judged anew, once per
    save rather than per keystroke."""
    uri = params.text_document.uri
    ls.scheduler.request(uri)
    path = _file_of(uri)
    project = ls.holder(path) if path is not None and language_of(path) == "python" else None
    if project is not None:
        ls.reanalyse(project, except_uri=uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ProdreadyServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.scheduler.forget(uri)
    ls.results.pop(uri, None)
    ls.problems.pop(uri, None)
    ls.pulled.discard(uri)
    ls.clear(uri)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched_files(ls: ProdreadyServer, params: types.DidChangeWatchedFilesParams) -> None:
    await ls.indexed.wait()

    def take_in() -> tuple[set[Path], set[Path]]:
        """The roots of the projects whose index changed, and of those a module of which did:
        inference from an open document may reach it (a helper it calls)."""
        reindexed: set[Path] = set()
        touched: set[Path] = set()
        for event in params.changes:
            path = _file_of(event.uri)
            if path is None:  # `untitled:`, `http:`: no file of ours changed
                continue
            project = ls.holder(path)
            if project is None:  # no project has read it: nothing to update
                continue
            if path.name in CONFIG_NAMES:
                if project.reconfigure():
                    reindexed.add(project.root)
            elif not ls.is_open(event.uri):  # an open buffer, not the disk, is what the user sees
                if project.update_file(path, None):
                    reindexed.add(project.root)
                elif language_of(path) == "python":
                    touched.add(project.root)
        return reindexed, touched

    reindexed, touched = await ls.on_worker(take_in)
    if reindexed:
        await ls.on_worker(memory.settle)
    for root in reindexed | touched:
        ls.reanalyse(ls.projects.get(root))


def _file_of(uri: str) -> Path | None:
    """The file a `file:` URI names, resolved; None for another scheme or a name no file has
    (`file:///%00.py`: a NUL in it)."""
    fs_path = to_fs_path(uri)
    try:
        return Path(fs_path).resolve() if fs_path else None
    except (OSError, ValueError):
        return None


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def did_change_workspace_folders(ls: ProdreadyServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    await ls.indexed.wait()

    def remove(root: Path) -> None:  # on the worker too: after an addition of it queued before
        ls.projects.pop(root, None)

    def add(root: Path) -> None:  # on the worker, so that analyses queued behind it see the project
        if root not in ls.folders():  # removed while it waited
            return
        for inside, other in list(ls.projects.items()):
            if other.alone and inside.is_relative_to(root):  # its files now belong to the folder's project
                ls.projects.pop(inside, None)
        project = Project(root, ls.settings_for(root), ls._log_from_worker, walk_limit=_walk_limit(root))
        project.build()
        ls.projects[root] = project

    for folder in params.event.removed or ():
        await ls.on_worker(remove, Path(to_fs_path(folder.uri)).resolve())
    for folder in params.event.added or ():
        await ls.on_worker(add, Path(to_fs_path(folder.uri)).resolve())
    await ls.on_worker(memory.settle)
    ls.reanalyse()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: ProdreadyServer, params: types.DidChangeConfigurationParams) -> None:
    """Changes that come in a burst (an editor tells of every setting it changes) are applied
    once, with the settings of the latest."""
    ls.configuration_changes += 1
    change = ls.configuration_changes
    if isinstance(params.settings, dict) and params.settings:
        ls.default_settings, problem = parse_settings(params.settings)
        if problem:
            ls.log(problem, types.MessageType.Warning)
    await ls.fetch_settings(change)
    await ls.indexed.wait()

    def apply() -> bool:
        if change != ls.configuration_changes:  # a later change is queued behind: it applies its own
            return False
        for root, project in list(ls.projects.items()):  # a folder may be removed meanwhile
            project.reconfigure(ls.settings_for(root))
        return True

    if await ls.on_worker(apply):
        ls.reanalyse()


@server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DiagnosticOptions(
    identifier="prodready", inter_file_dependencies=True, workspace_diagnostics=True))
async def document_diagnostic(ls: ProdreadyServer, params: types.DocumentDiagnosticParams
                              ) -> types.RelatedFullDocumentDiagnosticReport:
    uri = params.text_document.uri
    if uri in ls.pushed:
        ls.clear(uri)  # the client pulls: pushed diagnostics would show twice
    ls.pulled.add(uri)
    document = ls.workspace.get_text_document(uri)
    findings = await ls.findings_of(document)
    return types.RelatedFullDocumentDiagnosticReport(items=ls.diagnostics_of(document, findings))


@server.feature(types.WORKSPACE_DIAGNOSTIC)
async def workspace_diagnostic(ls: ProdreadyServer, params: types.WorkspaceDiagnosticParams
                               ) -> types.WorkspaceDiagnosticReport:
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    for uri in ls.open_uris():
        document = ls.workspace.get_text_document(uri)
        findings = await ls.findings_of(document)
        items.append(types.WorkspaceFullDocumentDiagnosticReport(
            uri=uri, version=document.version, items=ls.diagnostics_of(document, findings)))
    return types.WorkspaceDiagnosticReport(items=items)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=code_actions.KINDS, resolve_provider=True))
async def code_action(ls: ProdreadyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    document = ls.workspace.get_text_document(params.text_document.uri)
    findings = await ls.findings_of(document)
    text_document = ls.client_capabilities.text_document
    resolve = text_document and text_document.code_action and text_document.code_action.resolve_support
    lazy = bool(resolve and "edit" in resolve.properties)
    fs_path = to_fs_path(document.uri)
    if fs_path is None:
        return []
    return code_actions.code_actions(document, Path(fs_path), params, findings, lazy)


@server.feature(types.CODE_ACTION_RESOLVE)
async def code_action_resolve(ls: ProdreadyServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    uri = data.get("uri")
    fs_path = to_fs_path(uri) if isinstance(uri, str) else None
    if fs_path is None:  # not one of ours: nothing to add to it
        return action
    document = ls.workspace.get_text_document(uri)
    findings = await ls.findings_of(document)
    return code_actions.resolve(action, document, Path(fs_path), findings)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: ProdreadyServer, params: types.HoverParams) -> types.Hover | None:
    document = ls.workspace.get_text_document(params.text_document.uri)
    return hover.hover(document, params.position, await ls.findings_of(document))


@server.feature(types.SHUTDOWN)
def shutdown(ls: ProdreadyServer, params: None) -> None:
    ls.stopping = True  # what the scheduler has yet to run is not handed to the worker
    ls.worker.shutdown(wait=False, cancel_futures=True)
