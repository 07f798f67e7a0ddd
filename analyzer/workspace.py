"""Which files a scan reads, what language each is, and reading them without surprises.

Discovery honours .gitignore and the configured excludes, and never descends into version
control, dependency or build folders. Reading turns every way a file can be unreadable (too
large, binary, undecodable) into a `Skipped` with a reason the user can act on.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import io
import os
import re
import stat
import tokenize
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pathspec

from .config import DEFAULT_EXCLUDE, Config, is_gitignore_pattern
from .model import Skipped

LANGUAGES = {
    ".py": "python",
    ".sql": "sql",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescript",
    ".html": "html",
    ".htm": "html",
    ".jinja": "html",
    ".jinja2": "html",
    ".j2": "html",
    ".djhtml": "html",
    ".vue": "vue",
    ".svelte": "svelte",
}
SCRIPT_LANGUAGES = frozenset({"javascript", "typescript", "html", "vue", "svelte"})


class PathMatcher:
    """Gitignore-style globs, compiled once, that remember their answers. The same few sets (the
    test paths, the migration folders, the exempt paths) are asked about every file by every
    rule that applies to paths: on saleor that was 70,000 matches of sixteen patterns."""

    _REMEMBERED = 200_000  # answers, before they are forgotten: a bound for a long editor session

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self._spec = Globs(pathspec.GitIgnoreSpec.from_lines(patterns))
        self._answers: dict[str, bool] = {}

    def match_file(self, path: str) -> bool:
        answer = self._answers.get(path)
        if answer is None:
            if len(self._answers) >= self._REMEMBERED:
                self._answers.clear()
            answer = self._answers[path] = self._spec.match_file(path)
        return answer


class Globs:
    """A gitignore spec that first asks one regex whether any pattern could match. pathspec
    tries each pattern in turn, and most paths match none: a .gitignore of 36 patterns was 36
    searches for each of plane's 5,000 files and folders."""

    def __init__(self, spec: pathspec.GitIgnoreSpec) -> None:
        self._spec = spec
        including = [pattern.regex.pattern for pattern in spec.patterns
                     if pattern.include and isinstance(getattr(pattern, "regex", None), re.Pattern)]
        self._any: re.Pattern | None = None
        if len(including) == sum(1 for pattern in spec.patterns if pattern.include):
            with warnings.catch_warnings(), contextlib.suppress(re.error):
                warnings.simplefilter("ignore")  # pathspec has warned of an odd pattern already
                # pathspec names a group in each pattern; one regex may name it once
                self._any = re.compile("|".join(f"(?:{_NAMED_GROUP.sub('(?:', regex)})" for regex in including))

    def match_file(self, path: str) -> bool:
        if self._any is not None and self._any.search(path) is None:
            return False  # no pattern that ignores matches; those that take back cannot ignore
        return self._spec.match_file(path)


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@lru_cache(maxsize=256)
def path_spec(patterns: tuple[str, ...]) -> PathMatcher:
    """A matcher for gitignore-style globs, made once per pattern set."""
    return PathMatcher(patterns)


# Test code logs in with fixture tokens and decodes what it issued: not what production runs.
TEST_PATHS = ("tests/**", "test/**", "**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/conftest.py",
              "**/tests.py",
              "**/__tests__/**", "**/*.test.*", "**/*.spec.*", "**/cypress/**", "**/e2e/**", "**/playwright/**",
              "**/__mocks__/**", "**/*.stories.*")


def is_test_file(relpath: str) -> bool:
    return path_spec(TEST_PATHS).match_file(relpath)


def language_of(path: str | Path) -> str | None:
    return LANGUAGES.get(os.path.splitext(os.fspath(path))[1].lower())


@dataclass(frozen=True)
class SourceFile:
    """A file read and decoded: `path` is absolute, `relpath` is what reports show;
    `content` is the `content_digest` of the bytes it was read from, if it was read."""

    path: Path
    relpath: str
    language: str
    text: str
    content: bytes | None = None

    @cached_property
    def digest(self) -> str:
        """A digest of the file under its name: what its kept facts stand under. Of the bytes
        it was read from, whose digest a cached run has from its key; else of its text."""
        if self.content is not None:
            return hashlib.blake2b(self.relpath.encode("utf-8", "surrogatepass") + b"\0" + self.content,
                                   digest_size=16).hexdigest()
        return own_digest(self.relpath, self.text)


def own_digest(relpath: str, text: str) -> str:
    """A digest of a file's own text, under its path."""
    return hashlib.blake2b(f"{relpath}\0{text}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def content_digest(data: bytes) -> bytes:
    """A digest of a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).digest()


# Files read already, for a run to analyse, by path: their bytes and their `content_digest`.
Contents = dict[Path, tuple[bytes, bytes]]


def relative_posix(path: Path, root: Path | None) -> str:
    try:
        resolved = _real_path(path)
    except (OSError, RuntimeError):  # a broken link or a loop of links: named as the link itself
        resolved = os.fspath(path.absolute() if _is_link(path) else _resolve_missing(path))
    if root is not None:
        base = os.fspath(root)
        prefix = base.rstrip(os.sep) + os.sep
        if resolved.startswith(prefix):  # what `Path.relative_to` answers, without making two paths
            return resolved[len(prefix):].replace(os.sep, "/")
        for candidate in (Path(resolved), path.absolute()):  # a link out of the project is named as the link
            try:
                return candidate.relative_to(root).as_posix()
            except ValueError:
                pass
    return Path(os.path.relpath(resolved)).as_posix()


# Each folder's real path, found once: a file's was 5% of a changed run on saleor, every one of
# its 4,360 files resolved through each of the eight or so folders above it. Forgotten at each
# walk, so a folder swapped for a link since is seen at the next.
_REAL_FOLDERS: dict[str, str] = {}


def _real_path(path: Path) -> str:
    """`os.path.realpath(path, strict=True)`, with the folder's part looked up once."""
    text = os.fspath(path)
    folder, name = os.path.split(text)
    if not os.path.isabs(text) or name in ("", ".", ".."):
        return os.path.realpath(text, strict=True)
    real_folder = _REAL_FOLDERS.get(folder)
    if real_folder is None:
        real_folder = os.path.realpath(folder, strict=True)
        if len(_REAL_FOLDERS) >= 65_536:
            _REAL_FOLDERS.clear()
        _REAL_FOLDERS[folder] = real_folder
    if stat.S_ISLNK(os.lstat(text).st_mode):
        return os.path.realpath(text, strict=True)
    return os.path.join(real_folder, name)


def _is_link(path: Path) -> bool:
    try:
        return path.is_symlink()
    except OSError:  # a name longer than the system takes: a folder nested past PATH_MAX
        return False


def _resolve_missing(path: Path) -> Path:
    """Where a file that is gone (or was never there) would be."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def unreadable_link(path: Path) -> str | None:
    """Why a symbolic link found while walking cannot be followed, or None if it can."""
    if not path.is_symlink():
        return None
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a loop of symbolic links"
        return f"a broken symbolic link ({error.strerror or error})"
    return None


class _Ignores:
    """Exclude patterns and .gitignore files, matched against paths relative to the scan root."""

    def __init__(self, config: Config, root: Path) -> None:
        patterns = [*config.exclude, *config.extend_exclude]
        self.root = root
        self._root = root.as_posix().rstrip("/")  # paths below it are sliced, not made relative by pathlib
        self.excludes = path_spec(tuple(patterns))
        # The default `build` and `dist` are artifacts, but a package may be named so too (Onyx's
        # onyx/server/features/build holds API routers): one with an __init__.py is scanned.
        self.artifacts = ARTIFACT_FOLDERS & set(config.exclude) if config.exclude == DEFAULT_EXCLUDE else set()
        self.without_artifacts = path_spec(tuple(p for p in patterns if p not in self.artifacts))
        self.respect_gitignore = config.respect_gitignore
        self._gitignores: dict[Path, Globs | None] = {}
        self._over: dict[Path, list[tuple[str, Globs]]] = {}  # folder -> the .gitignores over it

    def _gitignore(self, folder: Path) -> Globs | None:
        if folder not in self._gitignores:
            spec = None
            path = folder / ".gitignore"
            try:  # asking alone may fail: a folder nested past PATH_MAX
                if self.respect_gitignore and path.is_file():
                    spec = _gitignore_spec(path.read_text(encoding="utf-8", errors="replace").splitlines())
            except OSError:
                spec = None
            self._gitignores[folder] = spec
        return self._gitignores[folder]

    def ignored(self, path: Path, is_dir: bool) -> bool:
        posix = path.as_posix()
        rel = posix[len(self._root) + 1:] if posix.startswith(self._root + "/") else _rel(path, self.root)
        suffix = "/" if is_dir else ""
        if rel and self.excludes.match_file(rel + suffix) and not self._in_packages_only(path, rel + suffix):
            return True
        if path.name == ".git":
            return True
        if not self.respect_gitignore:
            return False
        return any(spec.match_file(posix[len(folder) + 1:] + suffix)
                   for folder, spec in self._gitignores_over(path.parent))

    def _gitignores_over(self, folder: Path) -> list[tuple[str, Globs]]:
        """The .gitignore files that apply below `folder`, each with its own folder: those of
        `folder` and of its ancestors up to the root, found once per folder of the walk."""
        found = self._over.get(folder)
        if found is None:
            spec = self._gitignore(folder)
            found = [(folder.as_posix().rstrip("/"), spec)] if spec is not None else []
            if folder != self.root and folder.parent != folder and folder.is_relative_to(self.root):
                found += self._gitignores_over(folder.parent)
            self._over[folder] = found
        return found

    def _in_packages_only(self, path: Path, rel: str) -> bool:
        """Whether only the artifact names exclude `path`, and each folder so named is a package."""
        if not self.artifacts or self.without_artifacts.match_file(rel):
            return False
        folders = [f for f in _ancestors_within(path if rel.endswith("/") else path.parent, self.root)
                   if f != self.root and f.name in self.artifacts]
        return bool(folders) and all((folder / "__init__.py").is_file() for folder in folders)


ARTIFACT_FOLDERS = frozenset({"build", "dist"})


def _gitignore_spec(lines: list[str]) -> Globs:
    """The patterns git would use. Git passes over a line that is not a pattern (a lone `!`, a
    trailing backslash); pathspec raises on it, which would end the run over one stray line."""
    try:
        return Globs(pathspec.GitIgnoreSpec.from_lines(lines))
    except (ValueError, re.error):  # re.error: a reversed range, `[z-a].log`
        return Globs(pathspec.GitIgnoreSpec.from_lines([line for line in lines if is_gitignore_pattern(line)]))


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _ancestors_within(folder: Path, root: Path) -> Iterator[Path]:
    current = folder
    while True:
        yield current
        if current == root or current.parent == current:
            return
        try:
            current.relative_to(root)
        except ValueError:
            return
        current = current.parent


class TooManyEntries(Exception):
    """A walk met more entries than it was allowed to look at."""


def discover(paths: Iterable[str | Path], config: Config, limit: int | None = None
             ) -> tuple[list[Path], list[Skipped]]:
    """Files to analyse under `paths`, sorted; a path that does not exist is reported, not fatal.
    With a `limit`, a walk that meets more files and folders than that raises `TooManyEntries`:
    a folder guessed to be a project may turn out to be a home folder."""
    seen = 0
    found: list[Path] = []
    missing: list[Skipped] = []
    _REAL_FOLDERS.clear()
    root = config.root or Path.cwd().resolve()
    ignores = _Ignores(config, root)

    def unreadable(error: OSError) -> None:  # os.walk passes over a folder it cannot list: say so
        where = relative_posix(Path(error.filename), config.root)
        missing.append(Skipped(path=where, reason=f"cannot read folder: {error.strerror or error}"))

    for raw in paths:
        path = Path(raw).resolve()
        if not path.exists():
            missing.append(Skipped(path=str(raw), reason="no such file or folder"))
            continue
        if not path.is_dir():
            # A file named on the command line is analysed even if excluded, as ruff does; a
            # pipe or a device is named too, and `read_source` says why it is not read.
            if language_of(path):
                found.append(path)
            elif not path.is_file():
                missing.append(Skipped(path=str(raw), reason=NOT_REGULAR))
            continue
        # A folder named explicitly is scanned even inside an excluded one (`prodready check
        # .venv/lib/.../mypkg`); the excludes then apply below it only.
        inside_excluded = any(ignores.ignored(folder, is_dir=True) for folder in _ancestors_within(path, root)
                              if folder != root)
        walker = _Ignores(config, path) if inside_excluded else ignores
        for folder, dirnames, filenames in os.walk(path, onerror=unreadable):
            seen += len(dirnames) + len(filenames)
            if limit is not None and seen > limit:
                raise TooManyEntries(f"{path} holds more than {limit} files and folders")
            here = Path(folder)
            dirnames[:] = sorted(d for d in dirnames if not walker.ignored(here / d, is_dir=True))
            for name in sorted(filenames):
                file = here / name
                if language_of(file) and not walker.ignored(file, is_dir=False):
                    problem = unreadable_link(file)
                    if problem:
                        missing.append(Skipped(path=relative_posix(file, config.root), reason=problem))
                    else:
                        found.append(file)
    return sorted(set(found)), missing


def read_source(path: Path, config: Config, read: tuple[bytes, bytes] | None = None) -> SourceFile | Skipped:
    """Read and decode one file, or say why it cannot be analysed; `read`: its bytes and their
    digest, where the caller has read them already (with `read_regular`, for the run's key)."""
    relpath = relative_posix(path, config.root)
    language = language_of(path) or "unknown"
    if read is not None:
        data, content = read
    else:
        try:
            if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the read, /dev/zero never end it
                return Skipped(path=relpath, reason=NOT_REGULAR)
            found = read_regular(path, config.max_file_size)
        except OSError as error:
            return Skipped(path=relpath, reason=f"cannot read: {error.strerror or error}")
        if isinstance(found, str):
            return Skipped(path=relpath, reason=found)
        data, content = found, content_digest(found)
    text = decode_source(data, language)
    if isinstance(text, str):
        return SourceFile(path=path, relpath=relpath, language=language, text=text, content=content)
    return Skipped(path=relpath, reason=text.reason)


NOT_REGULAR = "not a regular file (a pipe, socket or device)"


def read_regular(path: Path, limit: int) -> bytes | str:
    """The bytes of the regular file at `path`, or why not. What is opened is checked, not what
    the path named a moment before: a file swapped for a pipe after the walk would block the
    read for ever, and one that grows while it is read is read no further than `limit`."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(descriptor, "rb", closefd=True) as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            return NOT_REGULAR
        if status.st_size > limit:
            return f"larger than max-file-size ({status.st_size} > {limit} bytes)"
        data = handle.read(limit + 1)
        if len(data) > limit:
            return f"larger than max-file-size (grew past {limit} bytes while it was read)"
        return data


_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+", re.M)  # PEP 263


@dataclass(frozen=True)
class DecodeProblem:
    reason: str


def decode_source(data: bytes, language: str) -> str | DecodeProblem:
    """Decode as UTF-8 (a BOM is dropped); Python files may declare another encoding (PEP 263).
    Scripts and pages with a UTF-16 byte order mark are decoded as UTF-16, as browsers do. Line
    endings become `\n`."""
    text = decode_exactly(data, language)
    return text if isinstance(text, DecodeProblem) else text.replace("\r\n", "\n").replace("\r", "\n")


def decode_exactly(data: bytes, language: str) -> str | DecodeProblem:
    """`decode_source` with the line endings as they are: what `--fix` writes back."""
    encoding = source_encoding(data, language)
    if isinstance(encoding, DecodeProblem):
        return encoding
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding == "utf-16":
            return DecodeProblem(f"not valid utf-16: {error.reason}")
        line = data[: error.start].count(b"\n") + 1
        return DecodeProblem(f"not valid {error.encoding}: byte 0x{data[error.start]:02x} on line {line}")
    except LookupError:
        return DecodeProblem(one_line(f"unknown encoding {encoding!r}"))
    except (ValueError, TypeError) as error:  # a codec's own complaint: punycode, `undefined`
        return DecodeProblem(one_line(f"cannot decode as {encoding}: {error}"))


def one_line(reason: str, limit: int = 160) -> str:
    """A reason as one short line: the file's own text in it (a codec's name a line long) is cut."""
    reason = reason.replace("\r", "\\r").replace("\n", "\\n")
    return reason if len(reason) <= limit else reason[:limit - 1] + "…"


def source_encoding(data: bytes, language: str) -> str | DecodeProblem:
    """The codec a file's bytes are read with (`utf-8-sig`, `utf-16`, or what a Python file
    declares), or why they cannot be read as source."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE starts both
        return DecodeProblem("UTF-32 text (byte order mark), which neither Python nor browsers read as source")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if language == "python":
            return DecodeProblem("UTF-16 text (byte order mark): Python reads source as UTF-8 or a PEP 263 "
                                 "encoding, and so does prodready")
        return "utf-16"
    if b"\x00" in data[:8192]:
        return DecodeProblem("binary file (contains NUL bytes)")
    second = data.find(b"\n", data.find(b"\n") + 1)  # PEP 263: the first two lines, without copying the rest
    head = data if second < 0 else data[:second]
    if language == "python" and _CODING.search(head.removeprefix(codecs.BOM_UTF8)):
        try:  # which also refuses a byte order mark beside another declared encoding, as Python does
            return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        except SyntaxError as error:
            if data.startswith(codecs.BOM_UTF8) and str(error) == "encoding problem: utf-8":
                return DecodeProblem("a UTF-8 byte order mark and another encoding declared, which Python refuses")
            return DecodeProblem(one_line(f"invalid encoding declaration: {error}"))
    return "utf-8-sig"
