"""What runs found, kept in `.prodready_cache/` at the project's root, at two grains.

- The whole run (`RunCache`): checking an unchanged tree again costs a walk of its files and a
  hash of their bytes. A run depends on prodready's version (and those of the parsers it
  uses), the configuration, the paths checked, and every file it reads: the checked ones and
  the rest of the project, which the index reads. All of it goes into the key.
- Each file's findings (`FileCache`), for a run in which something changed: a file's rules
  run again only when its own text, a project module its analysis read (see `lang.reach`)
  or the index has changed. Editing a helper reanalyses the views whose inference followed a
  call into it; editing a model changes the index, and so reanalyses every file.
- Each Python module's index facts (`FactCache`, see `index.kept`), so that a changed run
  parses the modules that changed and those whose facts read them, not the whole project.

Nothing is ever served stale: whatever can change a finding is in its key. Findings are kept
before the baseline is applied, because the baseline file may change on its own. The cache is
a convenience: a cache that cannot be read or written is ignored, never an error.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import importlib.metadata
import json
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pydantic_core

from .config import Config
from .model import Finding, Summary
from .parallel import FileResult
from .workspace import Contents, content_digest, read_regular

if TYPE_CHECKING:
    from .dependencies import Reach
    from .index import ProjectIndex
    from .index.kept import KeptModule

CACHE_DIR = ".prodready_cache"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# prodready's cache: https://bford.info/cachedir/\n"


class RunCache:
    def __init__(self, root: Path) -> None:
        self.folder = root / CACHE_DIR

    def key(self, config: Config, paths: list[str], files: list[Path], read: Contents | None = None) -> str | None:
        """The fingerprint of a run, or None when a file cannot be read (the run will say why).
        `read` is given the bytes of each file and their digest, for the run to analyse what
        its key says."""
        digest = hashlib.blake2b(digest_size=32)
        digest.update(_settings(config, paths).encode())
        for path in sorted(files):
            try:
                content = read_regular(path, config.max_file_size)
            except OSError:
                return None
            name = f"\0{path}\0".encode("utf-8", "surrogateescape")  # names need not be UTF-8
            if isinstance(content, str):  # not read (a pipe would block, /dev/zero never end): why, as the scan says
                digest.update(name + f"unread\0{content}\0".encode())
            else:
                own = content_digest(content)
                digest.update(name + f"{len(content)}\0".encode() + own)
                if read is not None:
                    read[path] = (content, own)
        return digest.hexdigest()

    def load(self, config: Config, paths: list[str], key: str) -> tuple[list[Finding], Summary, dict[str, str]] | None:
        data = _read_json(self._file(config, paths))
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        try:
            findings = [Finding.model_validate(f) for f in data["findings"]]
            summary = Summary.model_validate(data["summary"])
            sources = dict(data["sources"])
        except (ValueError, KeyError, TypeError, RecursionError):
            return None
        if not all(isinstance(path, str) and isinstance(text, str) for path, text in sources.items()):
            return None
        return findings, summary, sources

    def store(self, config: Config, paths: list[str], key: str, findings: list[Finding], summary: Summary,
              sources: dict[str, str]) -> None:
        data = {
            "key": key,
            "findings": [f.model_dump(mode="json") for f in findings],
            "summary": summary.model_dump(mode="json"),
            "sources": {path: sources[path] for path in {f.path for f in findings} if path in sources},
        }
        with contextlib.suppress(OSError):
            _write(self.folder, self._file(config, paths), json_text(data))

    def _file(self, config: Config, paths: list[str]) -> Path:
        return _entry(self.folder, config, paths, "json")


class FileCache:
    """Each file's findings from the last run of the same configuration and paths, by the key
    they were worked out under: the index's fingerprint and the digest of the file and of the
    modules its analysis reached, whose names are kept with them."""

    def __init__(self, root: Path, config: Config, paths: list[str]) -> None:
        self.folder = root / CACHE_DIR
        self.target = _entry(self.folder, config, paths, "files.json")
        self.settings = _settings(config, paths)
        # (relpath, the modules its analysis reached or None) -> its key in this run; None: no file is kept
        self.keys: Callable[[str, frozenset[str] | None], str] | None = None
        self.kept: dict[str, dict] = {}
        self.fresh: dict[str, dict] = {}
        data = _read_json(self.target)
        if isinstance(data, dict) and isinstance(data.get("files"), dict):
            self.kept = data["files"]

    def key(self, index_fingerprint: str, digest: str) -> str:
        return hashlib.blake2b(f"{self.settings}\0{index_fingerprint}\0{digest}".encode(),
                               digest_size=16).hexdigest()

    def get(self, relpath: str) -> FileResult | None:
        entry = self.kept.get(relpath)
        if self.keys is None or not isinstance(entry, dict):
            return None
        reached = entry.get("reaches")
        if reached is not None and not (isinstance(reached, list) and all(isinstance(name, str) for name in reached)):
            return None
        reached = frozenset(reached) if reached is not None else None
        if entry.get("key") != self.keys(relpath, reached):
            return None
        try:
            result = FileResult([Finding.model_validate(f) for f in entry["findings"]], list(entry["problems"]),
                                int(entry["unparsed_sql"]), reaches=reached)
        except (KeyError, TypeError, ValueError):
            return None
        if not all(isinstance(problem, str) for problem in result.problems):
            return None
        self.fresh[relpath] = entry
        return result

    def put(self, relpath: str, result: FileResult) -> None:
        if self.keys is None or not result.lasting:
            return
        entry = {"key": self.keys(relpath, result.reaches),
                 "findings": [f.model_dump(mode="json") for f in result.findings],
                 "problems": result.problems, "unparsed_sql": result.unparsed_sql}
        if result.reaches is not None:
            entry["reaches"] = sorted(result.reaches)
        self.fresh[relpath] = entry

    def store(self) -> None:
        """Keep this run's files, and only them: a file deleted since is forgotten."""
        with contextlib.suppress(OSError):
            _write(self.folder, self.target, json_text({"files": self.fresh}))


class FactCache:
    """Each module's and script's index facts (see `index.kept`) from the last run of the same
    configuration, with the two digests they stand under: the file's own text, which decides
    its name's imports, and its dependency digest, which covers whatever its facts may have
    read through inference. The paths checked are not part of the key: a module's facts are
    the same whichever files a run reports on, so `prodready check billing/views.py` before a
    commit takes the facts of the rest of the project from the last run of any paths. Beside
    them, the last index built, and what it was built from (`kept_index`)."""

    def __init__(self, root: Path, config: Config) -> None:
        self.folder = root / CACHE_DIR
        self.target = _entry(self.folder, config, [], "facts")
        self.index_target = _entry(self.folder, config, [], "index")
        self.kept: dict[str, dict] = {}
        self.fresh: dict[str, dict] = {}
        self._texts = memoryview(b"")  # what the entries of `kept` point into: see `pack_facts`
        data = read_regular_or_none(self.target, _LARGEST_ENTRY)
        unpacked = unpack_facts(data) if data is not None else None
        if unpacked is not None:
            self.kept, self._texts = unpacked

    def stand_in(self, relpath: str, own: str, name: str) -> KeptModule | None:
        """The module's kept facts, if its text and name are those they were read from. They are
        read when the module is first asked for one (see `KeptModule`): a run that reads the
        index back asks most modules only what they import, which their entry holds."""
        from .index.kept import KeptModule, read_facts  # the index: not for a run answered from the cache

        entry = self.kept.get(relpath)
        if not isinstance(entry, dict) or entry.get("own") != own or entry.get("name") != name:
            return None
        text = self._facts_text(entry)
        built, imported = _names(entry.get("built")), _names(entry.get("imported"))
        if text is None or built is None:
            return None
        return KeptModule(name, relpath, lambda: read_facts(_json_or_none(text)), built, imported)

    def _facts_text(self, entry: dict) -> memoryview | None:
        """The JSON text of an entry's facts, where its place in the texts is one: a view of
        it, not a copy, for `pack_facts` to write back as it was."""
        place = entry.get("facts")
        if not (isinstance(place, list) and len(place) == 2 and all(type(number) is int for number in place)):
            return None
        start, length = place
        if start < 0 or length < 0 or start + length > len(self._texts):
            return None
        return self._texts[start:start + length]

    def depends(self, relpath: str) -> str | None:
        entry = self.kept.get(relpath)
        return entry.get("depends") if isinstance(entry, dict) else None

    def last(self, relpath: str) -> tuple[list, object] | None:
        """The digests (own and dependency) and the facts kept for the file's last text,
        whatever its text is now."""
        entry = self.kept.get(relpath)
        text = self._facts_text(entry) if isinstance(entry, dict) else None
        if text is None:
            return None
        return [entry.get("own"), entry.get("depends")], _json_or_none(text)

    def reaches(self, relpath: str) -> frozenset[str] | None:
        """The modules that working out the module's kept facts reached; None: not known."""
        entry = self.kept.get(relpath)
        names = entry.get("reaches") if isinstance(entry, dict) else None
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            return None
        return frozenset(names)

    def put(self, relpath: str, own: str, name: str, digests: Reach, module: object, worked_out: bool = False) -> None:
        """Keep the facts of `module`: its tree's, or those it stood in with, unchanged, unless
        they were `worked_out` in this run (by the workers of a sharded one); with the modules
        working them out reached and their digest in `digests` (see `analyzer.dependencies`)."""
        from .index.kept import KeptModule, facts_reached, header_facts, written_facts

        entry = self.kept.get(relpath)
        text = self._facts_text(entry) if isinstance(entry, dict) else None
        if isinstance(module, KeptModule) and not worked_out and text is not None and entry.get("own") == own:
            facts: memoryview | dict = text
            reaches = self.reaches(relpath)
            header = {key: entry[key] for key in ("built", "imported") if key in entry}
        else:
            facts, reaches, header = written_facts(module), facts_reached(module), header_facts(module)
        self.fresh[relpath] = {"own": own, "name": name, "depends": digests.digest(relpath, reaches), **header}
        if facts:  # a module without facts is parsed, not stood in for
            self.fresh[relpath]["facts"] = facts
        if reaches is not None:
            self.fresh[relpath]["reaches"] = sorted(reaches)

    def unwanted(self, relpath: str, own: str) -> bool:
        """Whether the file was read but not parsed last time, with this text: no enabled rule
        needed it (see `engine.parse_gate`), which is worked out again only when it changes."""
        entry = self.kept.get(relpath)
        if isinstance(entry, dict) and entry.get("own") == own and entry.get("unwanted") is True:
            self.put_unwanted(relpath, own)
            return True
        return False

    def put_unwanted(self, relpath: str, own: str) -> None:
        self.fresh[relpath] = {**self._read_only(relpath, own), "unwanted": True}

    def imports_of(self, relpath: str, own: str, name: str) -> frozenset[str] | None:
        """What a module read but not parsed imports, if kept for this text."""
        entry = self.kept.get(relpath)
        if not isinstance(entry, dict) or entry.get("own") != own or entry.get("name") != name:
            return None
        imports = entry.get("imports")
        if not isinstance(imports, list) or not all(isinstance(imported, str) for imported in imports):
            return None
        self.put_imports(relpath, own, name, frozenset(imports))
        return frozenset(imports)

    def put_imports(self, relpath: str, own: str, name: str, imports: frozenset[str]) -> None:
        self.fresh[relpath] = {**self._read_only(relpath, own), "name": name, "imports": sorted(imports)}

    def _read_only(self, relpath: str, own: str) -> dict:
        """What this run keeps already of a file read but not parsed, with this text: that no
        rule needs it and what it imports are put in either order (a sharded run learns the
        imports first), and neither may drop the other."""
        entry = self.fresh.get(relpath)
        return entry if isinstance(entry, dict) and entry.get("own") == own else {"own": own}

    def kept_index(self, inputs: dict[str, list], holds: Callable[[], bool]
                   ) -> tuple[ProjectIndex, str, bytes] | None:
        """The index kept by the last run that built one, with its fingerprint and its JSON
        text, if it was built from these `inputs`: each file it reads, with its own digest and
        the dependency digest of its facts (see `engine.index_inputs`), and if what `holds`
        says of them holds. It is what building it again would give."""
        from .index import ProjectIndex
        from .index.snapshot import from_json

        data = read_regular_or_none(self.index_target, _LARGEST_ENTRY)
        end = data.find(b"\n") if data is not None else -1
        head = _json_or_none(data[:end]) if end >= 0 else None
        if not isinstance(head, dict) or head.get("format") != _INDEX_FORMAT or head.get("inputs") != inputs \
                or not isinstance(head.get("fingerprint"), str) or not holds():
            return None
        written = data[end + 1:]
        try:
            return from_json(_json_or_none(written), ProjectIndex), head["fingerprint"], written
        except (ValueError, TypeError, RecursionError):
            return None

    def keep_index(self, inputs: dict[str, list] | None, written: bytes | None, fingerprint: str | None) -> None:
        """Keep an index, `written` as JSON text (see `engine.written_index`) and built from
        `inputs`, for the next run that would build it from them; without all three nothing is
        kept, and the index kept before is dropped. The file is a line of JSON, what it was
        built from, then the index's text: a run that reads an index back and keeps it for
        changed inputs (a comment added to a view) writes the text it read."""
        with contextlib.suppress(OSError):
            if inputs is None or written is None or fingerprint is None:
                _prepare(self.folder)
                _real_folder(self.index_target.parent, self.folder)  # never through a link
                self.index_target.unlink(missing_ok=True)
                return
            head = json_text({"format": _INDEX_FORMAT, "inputs": inputs, "fingerprint": fingerprint})
            _write(self.folder, self.index_target, head + b"\n" + written)

    def store(self) -> None:
        """Keep this run's files, and those of the last runs that this one did not read (it
        checked part of the project) and that still exist; a file deleted since is forgotten."""
        root = self.folder.parent
        for relpath, entry in self.kept.items():
            if relpath not in self.fresh and isinstance(entry, dict) and _is_file(root / relpath):
                carried = {key: value for key, value in entry.items() if key != "facts"}
                if (text := self._facts_text(entry)) is not None:
                    carried["facts"] = text
                self.fresh[relpath] = carried
        with contextlib.suppress(OSError):
            _write(self.folder, self.target, pack_facts(self.fresh))


def pack_facts(modules: dict[str, dict]) -> bytes:
    """The kept facts as a file: a line of JSON, the entries, each pointing with `facts` to
    its place in the texts that follow, the JSON of a dict of the module's facts, each as JSON
    text in turn (see `index.kept.written_facts`). An entry's facts are given as that text
    (those carried from the last run, never read) or as the dict. Reading saleor's 14 MB of
    facts as one JSON document was a tenth of a second, for a run that reads few of them."""
    header: dict[str, dict] = {}
    texts: list[bytes | memoryview] = []
    length = 0
    for relpath, entry in modules.items():
        facts = entry.get("facts")
        if facts is None:
            header[relpath] = entry
            continue
        text = facts if isinstance(facts, bytes | memoryview) else json_text(facts)
        header[relpath] = {**entry, "facts": [length, len(text)]}
        texts.append(text)
        length += len(text)
    return b"".join([json_text({"format": _FACTS_FORMAT, "modules": header}), b"\n", *texts])


def unpack_facts(data: bytes) -> tuple[dict[str, dict], memoryview] | None:
    """The entries and the texts of a file `pack_facts` wrote, or None for anything else."""
    end = data.find(b"\n")
    header = _json_or_none(data[:end]) if end >= 0 else None
    if not isinstance(header, dict) or header.get("format") != _FACTS_FORMAT \
            or not isinstance(header.get("modules"), dict):
        return None
    return header["modules"], memoryview(data)[end + 1:]


# How `FactCache` writes the facts (see `pack_facts`). Facts written otherwise, by an earlier
# prodready, are not read.
_FACTS_FORMAT = 3

# How `FactCache` keeps an index (see `keep_index`, `index.snapshot`).
_INDEX_FORMAT = 2

# Far more than a run writes (saleor's kept facts: 15 MB): a larger entry is not prodready's.
_LARGEST_ENTRY = 1 << 30


def _read_json(path: Path) -> object:
    """An entry of the cache, or None. The cache is in the project, which may have put anything
    there: a pipe (the read would block for ever), a link to /dev/zero, JSON nested deeper than
    the parser recurses."""
    data = read_regular_or_none(path, _LARGEST_ENTRY)
    return _json_or_none(data) if data is not None else None


def read_regular_or_none(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of the cache, or None (see `_read_json`)."""
    try:
        data = read_regular(path, limit)
    except OSError:
        return None
    return data if isinstance(data, bytes) else None


def _json_or_none(text: bytes | memoryview) -> object:
    try:
        return json.loads(bytes(text) if isinstance(text, memoryview) else text)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def _names(value: object) -> frozenset[str] | None:
    """A list of names kept in an entry, or None for anything else."""
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        return None
    return frozenset(value)


def json_text(data: object) -> bytes:
    """`data` as JSON, written by pydantic's serialiser: a third of the time of the standard
    library's on saleor's 12 MB of kept facts, which a run with one file changed writes again
    whole. A name that is not UTF-8 (a lone surrogate) is written escaped, as `json` does."""
    try:
        return pydantic_core.to_json(data)
    except pydantic_core.PydanticSerializationError:
        return json.dumps(data, separators=(",", ":")).encode()


def _is_file(path: Path) -> bool:
    """Whether a file the cache names is still there; a name planted in the cache may be one
    no file can have (too long, a NUL in it)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _write(folder: Path, target: Path, text: bytes) -> None:
    """Write `target`, a file of the cache `folder`, whole or not at all. A repository may carry
    a `.prodready_cache/` of its own making: a folder on the way that is a symbolic link is
    refused, and the text goes to a new file that is then renamed over `target`, so that a link
    planted there is replaced, never written through."""
    _prepare(folder)
    _real_folder(target.parent, folder)
    partial = target.with_name(f"{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with _create(partial) as out:
            out.write(text)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise


def _create(path: Path) -> BinaryIO:
    """A new file at `path`: an existing file, or a link, there is an error, not a target."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644), "wb")


def _real_folder(path: Path, top: Path) -> None:
    """Make the folders from `top` down to `path`, none of which may be a symbolic link."""
    for folder in (*reversed(path.relative_to(top).parents), path.relative_to(top)):
        here = top / folder
        if here.is_symlink():
            raise OSError(f"{here} is a symbolic link")
        here.mkdir(exist_ok=True)


def _prepare(folder: Path) -> None:
    """Mark the folder as a cache for backup tools and as ignored for git (and for discovery)."""
    if folder.is_symlink():
        raise OSError(f"{folder} is a symbolic link")
    folder.mkdir(exist_ok=True)
    for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "# Created by prodready\n*\n")):
        with contextlib.suppress(FileExistsError), _create(folder / name) as out:
            out.write(text.encode())


def _entry(folder: Path, config: Config, paths: list[str], suffix: str) -> Path:
    """One file per configuration and set of paths, overwritten by each run of them."""
    from . import __version__  # the package imports this module while it is being set up

    name = hashlib.blake2b(_settings(config, paths).encode(), digest_size=12).hexdigest()
    return folder / __version__ / f"{name}.{suffix}"


def _settings(config: Config, paths: list[str]) -> str:
    from . import __version__

    return json.dumps({"version": __version__, "parsers": _parser_versions(), "config": config.model_dump(mode="json"),
                       "paths": sorted(paths)}, sort_keys=True)


def _parser_versions() -> list[str]:
    """Python's, astroid's and sqlglot's: an upgrade of any of them may change what is found."""
    return [sys.version, _version("astroid"), _version("sqlglot")]


@functools.cache
def _version(package: str) -> str:
    """An installed package's version, read from its metadata: importing astroid and sqlglot
    to ask was a fifth of a run that the cache answers."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:  # not installed as a distribution: ask the package
        return str(getattr(importlib.import_module(package), "__version__", ""))


def clean(root: Path) -> bool:
    """Remove the project's cache; whether there was one. Raises OSError if it stays."""
    folder = root / CACHE_DIR
    if folder.is_symlink():  # the link goes; what it points to is not the project's to remove
        folder.unlink()
        return True
    if not folder.is_dir():
        return False
    shutil.rmtree(folder)
    return True

