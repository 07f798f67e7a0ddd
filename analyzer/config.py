"""Configuration: `[tool.prodready]` in pyproject.toml, or a prodready.toml.

Every key is optional, so a project with no configuration gets the defaults. A key the model
does not know is an error that names the key and the file: a typo must never silently turn a
rule off.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import pathspec
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "env",
    ".env",
    ".tox",
    ".nox",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "site-packages",
    "build",
    "dist",
    ".eggs",
    "*.egg-info",
)


class ConfigError(Exception):
    """A configuration the user must correct; the message names the file and the key."""


def is_gitignore_pattern(line: str) -> bool:
    """Whether pathspec compiles `line` (a lone `!` or a trailing backslash it does not)."""
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):  # re.error: a range pathspec's regular expression rejects, `[z-a]`
        return False
    return True


def _valid_glob(pattern: str) -> str:
    if not is_gitignore_pattern(pattern):
        raise ValueError(f"`{pattern}` is not a gitignore-style pattern")
    return pattern


def valid_dialect(name: str) -> str:
    """`name` if sqlglot has a dialect of that name; its own message (with a suggestion) if not.
    An unknown dialect would otherwise fail every raw SQL parse of the run, in silence."""
    from sqlglot.dialects.dialect import Dialect  # loaded with the rules, not for `--version`

    try:
        Dialect.get_or_raise(name)
    except ValueError as error:
        raise ValueError(str(error)) from None
    return name


# Patterns the user writes are checked as the configuration loads, not when the first path is
# matched halfway through a run.
Glob = Annotated[str, AfterValidator(_valid_glob)]


def valid_selector(value: str) -> str:
    """A rule code or a prefix of codes (`TEN001`, `TEN`, `AUTH00`), upper-cased. One that no
    rule starts with is a mistake to say so of, not to pass over: `ignore = [""]` would turn
    every rule off, and `ignore = ["TEN01"]` none."""
    from .rules import ALL_RULES  # the rules import this module

    code = value.strip().upper()
    if not code or not any(rule.code.startswith(code) for rule in ALL_RULES):
        raise ValueError(f"`{value}` is neither a rule code nor the start of one (see `prodready rules`)")
    return code


RuleSelector = Annotated[str, AfterValidator(valid_selector)]


def _no_bool(value: object) -> object:
    """`file-timeout = true` is no number of seconds, whatever Python makes of True."""
    if isinstance(value, bool):
        raise ValueError("should be a number, not true or false")
    return value


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=_kebab, populate_by_name=True, frozen=True)


class TenantConfig(_Section):
    fields: tuple[str, ...] = Field(
        default=(), description="Tenant key fields or columns (`tenant`, `organization_id`); detected when empty."
    )
    models: tuple[str, ...] = Field(default=(), description="Tenant model class names; detected when empty.")
    tables: tuple[str, ...] = Field(
        default=(), description="Extra tenant-scoped tables for raw SQL, beyond those the index finds."
    )
    exempt_paths: tuple[Glob, ...] = Field(
        default=("tests/**", "test/**", "**/tests/**", "**/tests.py", "**/test_*.py", "**/*_test.py",
                 "**/conftest.py", "**/test_helpers/**", "**/test_utils/**", "**/migrations/**",
                 "**/alembic/versions/**", "docs/**", "doc/**"),
        description="Globs of files where tenant rules do not apply (tests and their helpers, Django's "
                    "`tests.py`, migrations and the documentation folder by default: a design note's SQL "
                    "worksheet is run by hand, not by the application).",
    )
    warning_paths: tuple[Glob, ...] = Field(
        default=("**/management/commands/**", "**/admin.py", "**/admin/**", "scripts/**", "**/scripts/**",
                 "**/cli.py", "**/cli/**", "**/cron.py", "**/crons/**", "**/cron/**", "**/bgtasks/**",
                 "**/jobs/**", "**/workers/**", "**/backoffice/**", "**/*internal_views.py",
                 "**/*internal_api_views.py", "**/debug/**", "**/telemetry.py", "**/telemetry/**"),
        description="Globs of files where tenant findings are warnings, not errors: commands, admin, scripts, "
                    "scheduled jobs and the views of internal APIs that only the project's own services call "
                    "(`internal_views.py`), developers' debug views (`debug/`) and the instance's usage "
                    "reports (`telemetry.py`), which often work across tenants on purpose. A query there is "
                    "reported only where its function holds one tenant and does not filter by it.",
    )
    scoped_managers: tuple[str, ...] = Field(
        default=(), description="Manager or query attribute names that filter by tenant on their own."
    )


class SqlConfig(_Section):
    dialect: Annotated[str, AfterValidator(valid_dialect)] = Field(
        default="postgres", description="sqlglot dialect used to parse raw SQL."
    )


class MigrationsConfig(_Section):
    paths: tuple[Glob, ...] = Field(
        default=("**/migrations/**", "**/alembic/versions/**", "migrations/**", "db/migrate/**", "**/db/migration/**"),
        description="Globs of migration files.",
    )


class Config(_Section):
    select: tuple[RuleSelector, ...] = Field(default=(),
                                             description="Rule codes or prefixes to enable (all when empty).")
    ignore: tuple[RuleSelector, ...] = Field(default=(), description="Rule codes or prefixes to disable.")
    exclude: tuple[Glob, ...] = Field(
        default=DEFAULT_EXCLUDE, description="Paths never scanned (replaces the defaults)."
    )
    extend_exclude: tuple[Glob, ...] = Field(default=(), description="Paths never scanned, added to `exclude`.")
    per_file_ignores: dict[Glob, tuple[RuleSelector, ...]] = Field(
        default_factory=dict, description="Glob -> rule codes ignored in matching files."
    )
    max_file_size: Annotated[int, BeforeValidator(_no_bool)] = Field(default=1_000_000, ge=0, le=2**40,
                               description="Files larger than this many bytes are skipped.")
    file_timeout: Annotated[float, BeforeValidator(_no_bool)] = Field(
        default=20.0, ge=0, le=86_400,
        description="Seconds parsing, then the rules, may spend on one file; a file that takes longer is skipped "
                    "with the reason `timeout`. 0 means no limit.",
    )
    file_memory: Annotated[int, BeforeValidator(_no_bool)] = Field(
        default=2000, ge=0,
        description="Megabytes the process may grow by while one file is parsed (files of 256 KB and more), "
                    "then while the rules run on it; a file that takes more is skipped with the reason `memory`. "
                    "0 means no limit.",
    )
    respect_gitignore: bool = Field(default=True, description="Skip files that .gitignore excludes.")
    baseline: str | None = Field(default=None, description="Baseline file of known findings to hide.")
    tenant: TenantConfig = Field(default_factory=TenantConfig)
    sql: SqlConfig = Field(default_factory=SqlConfig)
    migrations: MigrationsConfig = Field(default_factory=MigrationsConfig)

    # Where the configuration came from; paths in it are relative to this folder.
    root: Path | None = Field(default=None, exclude=True)
    source: Path | None = Field(default=None, exclude=True)

    def is_enabled(self, code: str) -> bool:
        selected = not self.select or any(code.startswith(p) for p in self.select)
        return selected and not any(code.startswith(p) for p in self.ignore)



CONFIG_FILES = ("prodready.toml", ".prodready.toml", "pyproject.toml")


def find_config_file(start: Path) -> Path | None:
    """The nearest prodready.toml, or pyproject.toml with a [tool.prodready] table, above `start`."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        for name in CONFIG_FILES:
            path = candidate / name
            try:
                if not path.is_file():
                    continue
            except OSError:  # a folder that may not be looked into holds no configuration we can use
                continue
            if name != "pyproject.toml":
                return path
            try:
                tool = _read_toml(path).get("tool", {})
                if isinstance(tool, dict) and "prodready" in tool:
                    return path
            except ConfigError:
                return path
    return None


CONFIG_LIMIT = 16 * 2**20  # bytes: a configuration file is read whole


def _read_toml(path: Path) -> dict:
    from .workspace import read_regular  # workspace reads the configuration's types

    try:
        data = read_regular(path, CONFIG_LIMIT)  # not /dev/zero, not a pipe: the repository names it
        if isinstance(data, str):
            raise ConfigError(f"{path}: cannot read: {data}")
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except UnicodeDecodeError as error:  # TOML is UTF-8 by definition
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 (byte {error.start})") from error
    except RecursionError:  # tomllib recurses into each array and inline table, any tool's
        raise ConfigError(f"{path}: invalid TOML: nested too deeply to be read") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error


def load_config(path: Path) -> Config:
    """Read one configuration file; `ConfigError` names the file and the offending key."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {})
        data = data.get("prodready", {}) if isinstance(data, dict) else None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: `tool.prodready` should be a table (`[tool.prodready]`)")
        prefix = "tool.prodready"
    else:
        prefix = ""
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, path, prefix)) from None
    return config.model_copy(update={"root": path.parent.resolve(), "source": path})


def discover_config(start: Path) -> Config:
    path = find_config_file(start)
    if path is None:
        return Config(root=project_root(start))
    return load_config(path)


# Files that mark where a project begins, for projects that do not configure prodready.
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", "manage.py", ".git")


def project_root(start: Path) -> Path:
    """The nearest folder above `start` holding a project file or a .git, else `start`'s own
    folder. Checking `billing/views.py` of a project without a `[tool.prodready]` table must
    still index the whole project, or the tenant model in `accounts/models.py` goes unseen."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    return marked_root(folder) or folder


def marked_root(folder: Path) -> Path | None:
    """The nearest folder from `folder` up that holds a project file or a .git, if any."""
    for candidate in (folder, *folder.parents):
        if any(_exists(candidate / marker) for marker in PROJECT_MARKERS):
            return candidate
    return None


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # inside a folder that may not be looked into
        return False


def _describe(error: ValidationError, path: Path, prefix: str) -> str:
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in (prefix, *problem["loc"]) if part not in ("", "[key]"))
        if problem["type"] == "extra_forbidden" and key == "tool" and not prefix:
            lines.append(f"{path}: unknown key `tool`: {path.name} holds the keys of pyproject.toml's "
                         "`[tool.prodready]` at its top level (`[tenant]`, not `[tool.prodready.tenant]`)")
        elif problem["type"] == "extra_forbidden":
            lines.append(f"{path}: unknown key `{key}`")
        elif problem["type"] == "tuple_type":  # the model's tuple is the file's array
            lines.append(f"{path}: `{key}`: should be an array, such as [\"...\"]")
        elif problem["type"] == "value_error":  # our own validators' words, without pydantic's "Value error, "
            lines.append(f"{path}: `{key}`: {problem['ctx']['error']}")
        else:
            lines.append(f"{path}: `{key}`: {problem['msg']}")
    return "\n".join(lines)
