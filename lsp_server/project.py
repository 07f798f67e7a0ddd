"""One workspace folder as the server sees it: its configuration, every file of pass 1, and the
project index built from them, kept up to date from disk and from unsaved buffers.

The CLI builds an index once and throws it away; the server keeps it alive. A change to a file
that feeds the index (a model, a migration, a settings module, a SQL schema) rebuilds it, so
that dropping `Invoice.organization` in an unsaved models.py changes the verdict on the
queries in views.py at once. Everything here runs on the server's single analysis thread:
astroid's caches are not safe to share between threads.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

from analyzer.collector import fewer_collections, set_aside
from analyzer.config import Config, ConfigError, discover_config
from analyzer.engine import ParsedFile, Superseded, analyze_parsed, index_files, parse_source
from analyzer.incremental import StatementMemo
from analyzer.index import ProjectIndex, declared_models
from analyzer.index.facts import ModelInfo
from analyzer.lang.python import forget_modules, make_current, release_superseded_trees
from analyzer.lang.splice import splice
from analyzer.model import Finding, Skipped
from analyzer.workspace import SourceFile, TooManyEntries, discover, language_of, read_source, relative_posix

from .documents import with_newlines
from .settings import Settings

CONFIG_NAMES = ("pyproject.toml", "prodready.toml", ".prodready.toml")
# Words of a file whose every change may change what the index knows: settings, app configs,
# migrations, SQLAlchemy tables and declarative bases. Plain substring tests: a keystroke must
# not pay for a regular expression over a long module.
_PYTHON_INDEX_WORDS = ("models.Model", "db.Model", "DeclarativeBase", "declarative_base", "__tablename__", "Table(",
                       "INSTALLED_APPS", "MIDDLEWARE", "REST_FRAMEWORK", "AppConfig", "revision",
                       "migrations.Migration")
_SQL_INDEX_WORDS = ("CREATE", "ALTER")

Progress = Callable[[int, int], None]


class Project:
    """`alone`: the folder is not indexed, only the files opened from it are taken in (a file
    opened from outside the workspace). `walk_limit`: how many files and folders the walk may
    meet before the folder is treated as `alone` (a folder guessed to be a project)."""

    def __init__(self, root: Path, settings: Settings, log: Callable[[str], None], *,
                 alone: bool = False, walk_limit: int | None = None) -> None:
        self.root = root
        self.log = log
        self.settings = settings
        self.alone = alone
        self.walk_limit = walk_limit
        self.config = self._load_config()
        self.files: dict[str, ParsedFile] = {}
        self.memos: dict[str, StatementMemo] = {}  # per analysed buffer: the findings an edit left alone
        self.index: ProjectIndex | None = None
        self.generation = 0  # bumped whenever the index changes

    def _load_config(self) -> Config:
        try:
            base = discover_config(self.root)
        except ConfigError as error:
            for problem in str(error).splitlines():
                self.log(f"{problem}; using the default configuration")
            base = Config(root=self.root)
        if base.root is None or not self.root.is_relative_to(base.root):
            base = base.model_copy(update={"root": self.root})
        return self.settings.apply(base)

    def reconfigure(self, settings: Settings | None = None) -> bool:
        """New settings or a changed configuration file: everything is read again, unless the
        configuration comes out as it was. An editor tells of a change to any of its settings,
        and a pyproject.toml is saved for its other tools: reading a large project again for
        each kept the server from answering for minutes. Returns whether it was read again."""
        if settings is not None:
            self.settings = settings
        config = self._load_config()
        if config == self.config and self.index is not None:
            return False
        self.config = config
        self.log(f"the configuration of {self.root} changed: its files are read again")
        self.build()
        return True

    def build(self, progress: Progress | None = None) -> list[Skipped]:
        """Pass 1 over the whole folder."""
        self._forget()
        paths, skipped = self._discover()
        with fewer_collections():
            for number, path in enumerate(paths, start=1):
                if progress is not None:
                    progress(number, len(paths))
                item = self._parse(path)
                if isinstance(item, Skipped):
                    skipped.append(item)
                else:
                    self.files[item.source.relpath] = item
                set_aside()
            self._reindex()
        return skipped

    def _discover(self) -> tuple[list[Path], list[Skipped]]:
        if not self.alone:
            try:
                return discover([self.root], self.config, self.walk_limit)
            except TooManyEntries as error:
                self.log(f"{error}: it is not indexed; only the files opened from it are analysed")
                self.alone = True
        return [], []

    def relpath(self, path: Path) -> str:
        return relative_posix(path, self.config.root or self.root)

    def update_file(self, path: Path, text: str | None) -> bool:
        """Take in a file changed on disk (or deleted). Returns whether the index was rebuilt."""
        relpath = self.relpath(path)
        previous = self.files.get(relpath)
        if self.alone and previous is None:  # not opened: not part of what is analysed
            return False
        if not path.is_file():
            fed = previous is not None and _changes_the_index(path, previous, None)
            self._drop(relpath)
            if fed:
                self._reindex()
            return fed
        item = self._parse(path)
        if isinstance(item, Skipped):
            return False
        self.files[relpath] = item  # astroid's cache now holds this version of the module
        self._superseded()
        self._others_judged_anew(relpath)
        if _changes_the_index(path, previous, item):
            self._reindex()
            return True
        return False

    def analyse(self, path: Path, text: str, problems: list[str],
                superseded: Callable[[], bool] | None = None) -> tuple[list[Finding], bool]:
        """Analyse an open buffer, taking it in first as the newest version of its module, so
        that imports of it and from it resolve as they do on disk. Returns the findings and
        whether the buffer changed the index (a model edited but not saved). Raises
        `Superseded` when `superseded` says the buffer has changed again; the buffer is taken in
        all the same."""
        relpath = self.relpath(path)
        previous = self.files.get(relpath)
        item = previous
        reindexed = False
        if previous is None or previous.source.text != with_newlines(text.lstrip("\ufeff")):
            parsed = self._parse(path, text, previous)
            if isinstance(parsed, Skipped):
                problems.append(parsed.reason)  # a half-typed file: the index keeps what it had
                return [], False
            item = parsed
            self.files[relpath] = item
            self._superseded()
            self._others_judged_anew(relpath)
            if _changes_the_index(path, previous, item):
                self._reindex()
                reindexed = True
        if self.index is None or item is None or not self.settings.enable:
            return [], reindexed
        if reindexed:  # the other documents must hear of it: this run is not cut short
            superseded = None
        if superseded is not None and superseded():
            raise Superseded
        memo = self.memos.setdefault(relpath, StatementMemo())
        return analyze_parsed(item, self.config, self.index, problems, superseded, memo), reindexed

    def _parse(self, path: Path, text: str | None = None, previous: ParsedFile | None = None) -> ParsedFile | Skipped:
        """The file's new version; a buffer edited inside one function or class of the module
        `previous` holds, by building that statement alone (see `analyzer.lang.splice`)."""
        if text is None:
            source = read_source(path, self.config)
            if isinstance(source, Skipped):
                return source
        else:
            language = language_of(path)
            if language is None:
                return Skipped(path=self.relpath(path), reason="not a language prodready reads")
            size = len(text.encode("utf-8", errors="replace"))
            if size > self.config.max_file_size:  # as on disk: a huge buffer must not hold up the worker
                return Skipped(path=self.relpath(path),
                               reason=f"larger than max-file-size ({size} > {self.config.max_file_size} bytes)")
            source = SourceFile(path=path, relpath=self.relpath(path), language=language,
                                text=with_newlines(text.lstrip("\ufeff")))
            if previous is not None and previous.module is not None and language == "python":
                module = splice(previous.module, previous.source.text, source.text)
                if module is not None:
                    return ParsedFile(source, module=module)
        item = parse_source(source, self.config)
        if isinstance(item, ParsedFile) and item.module is not None:
            make_current(item.module)
        return item

    def _superseded(self) -> None:
        """A tree was replaced: what was worked out about the old one goes, in astroid's caches
        and in the index's answers about nodes."""
        release_superseded_trees()
        if self.index is not None:
            self.index.forget_node_answers()

    def _others_judged_anew(self, relpath: str) -> None:
        """A module changed: the other documents' kept findings go, since inference from any of
        their functions may reach it (a helper that lost its filter). Their next analysis runs
        every rule; the document being typed in keeps its own."""
        for other, memo in self.memos.items():
            if other != relpath:
                memo.forget()

    def _reindex(self) -> None:
        try:
            self.index = index_files(list(self.files.values()), self.config)
        except Exception:  # RecursionError among them: a bug of ours, reported, and the files still served
            self.log(f"prodready failed to build the index of {self.root}; please report it:\n"
                     f"{traceback.format_exc()}")
            self.index = ProjectIndex()
        self.generation += 1
        self.memos.clear()  # kept findings hold for the index they were worked out with

    def _drop(self, relpath: str) -> None:
        item = self.files.pop(relpath, None)
        if item is not None and item.module is not None:
            forget_modules([item.module.name])

    def _forget(self) -> None:
        forget_modules([item.module.name for item in self.files.values() if item.module is not None])
        self.files.clear()


def _changes_the_index(path: Path, previous: ParsedFile | None, item: ParsedFile | None) -> bool:
    """Whether a new version of a file (None: the file is gone) may change the index: it is a
    settings module, a migration or a schema (above), or the models it declares are not those of
    its last version. A serializer's `class Meta` or a comment about a ForeignKey no longer
    costs a rebuild of the index at every keystroke (0.6 s on saleor)."""
    if any(version is not None and _may_feed_index(path, version.source.text) for version in (previous, item)):
        return True
    return _models(previous) != _models(item)


def _models(item: ParsedFile | None) -> tuple[ModelInfo, ...]:
    """The models a version declares, read once per tree: each keystroke compares the new
    version with the one before, which the previous keystroke read already."""
    if item is None or item.module is None:
        return ()
    return declared_models(item.source.relpath, item.module)


def _may_feed_index(path: Path, text: str) -> bool:
    language = language_of(path)
    if language == "python":
        return any(word in text for word in _PYTHON_INDEX_WORDS)
    if language == "sql":
        upper = text.upper()
        return any(word in upper for word in _SQL_INDEX_WORDS)
    return False
