from __future__ import annotations

from pathlib import Path

import pathspec
import pytest

from analyzer.config import Config
from analyzer.model import Skipped
from analyzer.workspace import Globs, SourceFile, discover, read_source, relative_posix


def make(root: Path, files: dict[str, bytes | str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)


def rel(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root.resolve()).as_posix() for p in paths]


def test_discovery_honours_gitignore_and_skips_tool_folders(tmp_path: Path) -> None:
    make(tmp_path, {
        ".gitignore": "generated/\n*.local.py\n",
        "app/views.py": "x = 1\n",
        "app/settings.local.py": "x = 1\n",
        "app/static/app.js": "let a = 1;\n",
        "generated/models.py": "x = 1\n",
        "node_modules/lib/index.js": "x\n",
        ".venv/lib/site.py": "x\n",
        "build/lib/app.py": "x\n",
        "dist/app.py": "x\n",
        ".git/hooks/pre-commit.py": "x\n",
        "sql/report.sql": "select 1;\n",
        "README.md": "# hi\n",
        "sub/.gitignore": "secret.py\n",
        "sub/secret.py": "x = 1\n",
        "sub/public.py": "x = 1\n",
    })
    config = Config(root=tmp_path.resolve())
    files, missing = discover([tmp_path], config)
    assert missing == []
    assert rel(files, tmp_path) == ["app/static/app.js", "app/views.py", "sql/report.sql", "sub/public.py"]


GITIGNORE = ["*.py[cod]", ".*", "!.github", "!.gitignore", "node_modules/", "/build", "docs/**/draft.md",
             "*.log", "!keep.log", "**/generated/**", "!src/generated/schema.py"]


@pytest.mark.parametrize("path", [
    "app/views.py", "app/views.pyc", ".env", ".github/", ".github/workflows/ci.yml", ".gitignore", "node_modules/",
    "web/node_modules/", "node_modules", "build/", "app/build/", "docs/a/b/draft.md", "docs/draft.md", "x.log",
    "logs/keep.log", "a/generated/models.py", "src/generated/schema.py", "src/generated/other.py", "README.md",
])
def test_globs_answer_as_pathspec_does(path: str) -> None:
    """The one regex asked first may only say no where every pattern says no."""
    spec = pathspec.GitIgnoreSpec.from_lines(GITIGNORE)
    globs = Globs(spec)
    assert globs._any is not None, "the patterns were not joined into one regex"
    assert globs.match_file(path) == spec.match_file(path)


def test_a_package_named_build_is_source_not_an_artifact(tmp_path: Path) -> None:
    make(tmp_path, {
        "app/features/build/__init__.py": "",
        "app/features/build/api.py": "x = 1\n",
        "app/features/build/static/out.js": "let a = 1;\n",
        "app/features/build/dist/bundle.js": "let b = 1;\n",
        "build/lib/app/__init__.py": "",
        "build/lib/app/views.py": "x = 1\n",
    })
    files, _ = discover([tmp_path], Config(root=tmp_path.resolve()))
    assert rel(files, tmp_path) == ["app/features/build/__init__.py", "app/features/build/api.py",
                                    "app/features/build/static/out.js"]
    configured = Config(root=tmp_path.resolve(), exclude=("build",))
    assert discover([tmp_path], configured)[0] == [], "an exclude the user writes is taken as written"


def test_extend_exclude_and_missing_path(tmp_path: Path) -> None:
    make(tmp_path, {"legacy/old.py": "x\n", "app/new.py": "x\n"})
    config = Config(root=tmp_path.resolve(), extend_exclude=("legacy",))
    files, missing = discover([tmp_path, tmp_path / "nope"], config)
    assert rel(files, tmp_path) == ["app/new.py"]
    assert missing[0].reason == "no such file or folder"


def test_reading_bom_latin1_binary_and_oversized(tmp_path: Path) -> None:
    make(tmp_path, {
        "bom.py": b"\xef\xbb\xbfx = 1\r\ny = 2\r\n",
        "latin.py": "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1"),
        "broken.py": b"name = '\xff\xfe'\n",
        "blob.sql": b"\x00\x01\x02",
        "big.py": b"x = 1\n" * 100,
    })
    config = Config(root=tmp_path.resolve(), max_file_size=300)
    bom = read_source(tmp_path / "bom.py", config)
    assert isinstance(bom, SourceFile) and bom.text == "x = 1\ny = 2\n"
    latin = read_source(tmp_path / "latin.py", config)
    assert isinstance(latin, SourceFile) and "café" in latin.text
    broken = read_source(tmp_path / "broken.py", config)
    assert isinstance(broken, Skipped) and "not valid utf-8" in broken.reason and "line 1" in broken.reason
    blob = read_source(tmp_path / "blob.sql", config)
    assert isinstance(blob, Skipped) and "binary" in blob.reason
    big = read_source(tmp_path / "big.py", config)
    assert isinstance(big, Skipped) and "max-file-size" in big.reason


def test_a_file_is_named_by_where_links_lead(tmp_path: Path) -> None:
    root = tmp_path.resolve() / "project"
    make(root, {"app/real/views.py": "x = 1\n", "app/moved/views.py": "x = 1\n", "app/swapped/views.py": "x = 1\n"})
    (root / "app/alias").symlink_to(root / "app/real", target_is_directory=True)
    (root / "app/link.py").symlink_to(root / "app/real/views.py")
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    (root / "app/out.py").symlink_to(outside)

    assert relative_posix(root / "app/real/views.py", root) == "app/real/views.py"
    assert relative_posix(root / "app/alias/views.py", root) == "app/real/views.py"
    assert relative_posix(root / "app/link.py", root) == "app/real/views.py"
    assert relative_posix(root / "app/out.py", root) == "app/out.py"  # out of the project: named as the link
    assert relative_posix(root / "app/gone.py", root) == "app/gone.py"

    # A folder swapped for a link after a walk is seen as one at the next walk.
    assert relative_posix(root / "app/swapped/views.py", root) == "app/swapped/views.py"
    (root / "app/swapped/views.py").unlink()
    (root / "app/swapped").rmdir()
    (root / "app/swapped").symlink_to(root / "app/moved", target_is_directory=True)
    discover([root], Config(root=root))
    assert relative_posix(root / "app/swapped/views.py", root) == "app/moved/views.py"
