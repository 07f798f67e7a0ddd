"""Silencing findings: inline `prodready: ignore[...]` comments and the baseline file.

A baseline records known findings by rule, path and a fingerprint of the flagged code rather
than a line number, so adding lines above a known finding does not bring it back, while a new
finding of the same rule on different code is still reported.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .model import Finding

_DIRECTIVE = re.compile(r"\bprodready:\s*ignore(?P<file>-file)?(?P<bracket>[ \t]*\[(?P<codes>[^\]]*)(?P<closed>\])?)?")
_COMMENT_OPENER = re.compile(r"#|--|//|/\*|<!--|\{#")
ALL = "*"


@dataclass
class Suppressions:
    lines: dict[int, set[str]] = field(default_factory=dict)  # 1-based line -> codes (ALL for every rule)
    file: set[str] = field(default_factory=set)

    def silences(self, finding: Finding) -> bool:
        if _matches(finding.rule, self.file):
            return True
        return _matches(finding.rule, self.lines.get(finding.line, set()))


def _matches(code: str, codes: set[str]) -> bool:
    return ALL in codes or any(code.startswith(c) for c in codes)


def parse_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if "prodready" not in text:
        return result
    for number, line in enumerate(text.split("\n"), start=1):
        if "prodready:" in line:
            for match in _directives(line):
                raw = match.group("codes")
                codes = {c.strip().upper() for c in raw.split(",") if c.strip()} if raw is not None else {ALL}
                if match.group("file"):
                    result.file |= codes if raw is not None else set()
                else:
                    result.lines.setdefault(number, set()).update(codes)
    return result


def _directives(line: str) -> Iterable[re.Match[str]]:
    """The directives of a line that a comment opener comes before, each after one of its own,
    in time linear in the line: a regular expression that looked for the opener first went
    back over the rest of the line from every `#` of a 200 KB banner. A bracket left open
    (`ignore[TEN001`) is no directive: it would silence every rule on the line. A space before
    the bracket (`ignore [TEN001]`) still names the codes, for the same reason."""
    searched, opened = 0, False
    for match in _DIRECTIVE.finditer(line):
        opened = opened or _COMMENT_OPENER.search(line, searched, match.start()) is not None
        searched = match.start()
        if not opened or (match.group("bracket") and not match.group("closed")):
            continue
        yield match
        searched, opened = match.end(), False


# --- baseline ---------------------------------------------------------------------------------

BASELINE_VERSION = 1


def _line_text(text: str, line: int) -> str:
    lines = text.split("\n")
    return " ".join(lines[line - 1].split()) if 1 <= line <= len(lines) else ""


def fingerprints(findings: Iterable[Finding], texts: dict[str, str]) -> list[tuple[Finding, str]]:
    """Each finding with a fingerprint of (rule, path, flagged code, occurrence)."""
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for finding in sorted(findings, key=Finding.sort_key):
        code = _line_text(texts.get(finding.path, ""), finding.line)
        key = (finding.rule, finding.path, code)
        seen[key] += 1
        digest = hashlib.sha256(f"{finding.rule}\0{finding.path}\0{code}\0{seen[key]}".encode(
            "utf-8", "surrogateescape")).hexdigest()[:16]  # a path need not be UTF-8
        result.append((finding, digest))
    return result


class BaselineError(Exception):
    pass


BASELINE_LIMIT = 256 * 2**20


@dataclass
class Baseline:
    entries: set[tuple[str, str, str]] = field(default_factory=set)  # (rule, path, fingerprint)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        from .workspace import read_regular

        try:
            # A regular file of bounded size: the repository names it, and /dev/zero or a pipe
            # must not fill the memory or block the run.
            data = read_regular(path, BASELINE_LIMIT)
            if isinstance(data, str):
                raise BaselineError(f"{path}: not a prodready baseline: {data}")
            data = json.loads(data.decode("utf-8"))
            return cls({(e["rule"], e["path"], e["fingerprint"]) for e in data["findings"]})
        except FileNotFoundError:
            raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
        except RecursionError:
            raise BaselineError(f"{path}: not a prodready baseline: JSON nested too deeply") from None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BaselineError(f"{path}: not a prodready baseline: {error}") from None

    def filter(self, findings: list[Finding], texts: dict[str, str]) -> list[Finding]:
        return [f for f, fp in fingerprints(findings, texts) if (f.rule, f.path, fp) not in self.entries]


def write_baseline(path: Path, findings: list[Finding], texts: dict[str, str]) -> int:
    entries = [
        {"rule": f.rule, "path": f.path, "fingerprint": fp, "message": f.message}
        for f, fp in fingerprints(findings, texts)
    ]
    path.write_text(json.dumps({"version": BASELINE_VERSION, "findings": entries}, indent=2) + "\n",
                    encoding="utf-8")
    return len(entries)


def per_file_ignored(relpath: str, per_file_ignores: dict[str, tuple[str, ...]]) -> set[str]:
    """Codes ignored for `relpath` by `per-file-ignores` globs."""
    from .workspace import path_spec

    codes: set[str] = set()
    for pattern, ignored in per_file_ignores.items():
        if path_spec((pattern,)).match_file(relpath):
            codes.update(ignored)
    return codes

