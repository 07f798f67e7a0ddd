from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import Config, ConfigError, discover_config, load_config
from analyzer.model import Severity
from analyzer.rules.tenant.policy import tenant_severity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = discover_config(tmp_path)
    assert config.select == ()
    assert config.sql.dialect == "postgres"
    assert config.root == tmp_path.resolve()
    assert "**/migrations/**" in config.tenant.exempt_paths


def test_tests_and_their_helpers_are_exempt_from_tenant_rules_by_default(tmp_path: Path) -> None:
    """Django's `app/tests.py` and a project's `test_helpers/` build fixtures for every tenant;
    a module that only mentions tests in its name is application code."""
    config = discover_config(tmp_path)
    for path in ("billing/tests.py", "seed/test_helpers/fake.py", "core/test_utils/factories.py",
                 "tests/test_views.py", "billing/migrations/0001_initial.py"):
        assert tenant_severity(path, config, Severity.ERROR) is None, path
    for path in ("billing/views.py", "billing/latest_tests.py", "quality/testing_plans.py"):
        assert tenant_severity(path, config, Severity.ERROR) is Severity.ERROR, path


def test_pyproject_section_is_read(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", """
[tool.prodready]
select = ["TEN"]
extend-exclude = ["legacy"]
per-file-ignores = {"scripts/*" = ["TEN001"]}

[tool.prodready.tenant]
fields = ["organization"]
exempt-paths = ["ops/**"]

[tool.prodready.sql]
dialect = "mysql"
""")
    config = discover_config(tmp_path / "sub")
    assert config.select == ("TEN",)
    assert config.extend_exclude == ("legacy",)
    assert config.per_file_ignores == {"scripts/*": ("TEN001",)}
    assert config.tenant.fields == ("organization",)
    assert config.tenant.exempt_paths == ("ops/**",)
    assert config.sql.dialect == "mysql"
    assert config.source == tmp_path / "pyproject.toml"


def test_pyproject_without_section_is_skipped_for_prodready_toml_above(tmp_path: Path) -> None:
    write(tmp_path / "prodready.toml", 'ignore = ["TEN003"]\n')
    write(tmp_path / "app" / "pyproject.toml", "[tool.black]\nline-length = 100\n")
    config = discover_config(tmp_path / "app")
    assert config.ignore == ("TEN003",)
    assert not config.is_enabled("TEN003")
    assert config.is_enabled("TEN001")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[tool.prodready]\nselct = ['TEN']\n", "tool.prodready.selct"),
        ("[tool.prodready.tenant]\nfeilds = ['org']\n", "tool.prodready.tenant.feilds"),
    ],
)
def test_unknown_key_names_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert f"unknown key `{key}`" in str(error.value)


def test_a_pyproject_table_copied_into_prodready_toml_says_where_its_keys_go(tmp_path: Path) -> None:
    path = write(tmp_path / "prodready.toml", "[tool.prodready.tenant]\nmodels = ['Organization']\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "unknown key `tool`" in str(error.value)
    assert "`[tenant]`, not `[tool.prodready.tenant]`" in str(error.value)


def test_wrong_type_and_invalid_toml_are_clear(tmp_path: Path) -> None:
    path = write(tmp_path / "prodready.toml", "select = 3\n")
    with pytest.raises(ConfigError, match=r"`select`: should be an array, such as \[\"...\"\]$"):
        load_config(path)
    broken = write(tmp_path / "other" / "prodready.toml", "select = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(broken)


def test_a_configuration_that_is_not_utf8_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes("[tool.prodready]\nselect = ['TEN']  # réglé\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML: not UTF-8"):
        discover_config(tmp_path)


def test_another_tools_table_nested_past_the_parsers_depth_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.black]\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML: nested too deeply to be read$"):
        discover_config(tmp_path)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('exclude = ["!"]', "exclude.0"),
        ('extend-exclude = ["build/", "\\\\"]', "extend-exclude.1"),
        ('[per-file-ignores]\n"!" = ["TEN001"]', "per-file-ignores.!"),
        ('[tenant]\nexempt-paths = ["!"]', "tenant.exempt-paths.0"),
        ('[migrations]\npaths = ["!"]', "migrations.paths.0"),
        ('[per-file-ignores]\n"app/[z-a].py" = ["TEN001"]', "per-file-ignores.app/[z-a].py"),  # a reversed range
    ],
)
def test_a_pattern_that_is_not_a_glob_is_refused_as_the_configuration_loads(
        tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path / "prodready.toml", text + "\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert f"`{key}`: `" in str(error.value)
    assert "is not a gitignore-style pattern" in str(error.value)


def test_an_unknown_sql_dialect_is_refused_with_sqlglots_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path / "prodready.toml", '[sql]\ndialect = "postgress"\n')
    with pytest.raises(ConfigError, match=r"`sql.dialect`: Unknown dialect 'postgress'. Did you mean postgres"):
        load_config(path)
    assert load_config(write(tmp_path / "ok" / "prodready.toml", '[sql]\ndialect = "mysql"\n')).sql.dialect == "mysql"


@pytest.mark.parametrize(("text", "said"), [
    ("[tool.prodready]\nmax-file-size = 99999999999999999999999\n",
     "`tool.prodready.max-file-size`: Input should be less"),
    ("[tool.prodready]\nmax-file-size = -1\n", "`tool.prodready.max-file-size`: Input should be greater"),
    ("[tool.prodready]\nfile-timeout = 1e300\n", "`tool.prodready.file-timeout`: Input should be less"),
    ("[tool]\nprodready = \"on\"\n", "`tool.prodready` should be a table"),
])
def test_values_out_of_range_and_tables_that_are_not_tables_are_configuration_errors(
        tmp_path: Path, text: str, said: str) -> None:
    write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as error:
        discover_config(tmp_path)
    assert said in str(error.value)


def test_a_pyproject_whose_tool_is_not_a_table_is_not_prodreadys(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "tool = 5\n")
    assert discover_config(tmp_path).max_file_size == 1_000_000


def test_select_and_ignore_prefixes() -> None:
    config = Config(select=("TEN",), ignore=("TEN003",))
    assert config.is_enabled("TEN001")
    assert not config.is_enabled("TEN003")
    assert not config.is_enabled("AUTH001")


@pytest.mark.parametrize(("text", "said"), [
    ('ignore = [""]', "`ignore.0`: `` is neither a rule code nor the start of one"),  # would be every rule
    ('select = ["TEN01"]', "`select.0`: `TEN01` is neither a rule code nor the start of one"),
    ('[per-file-ignores]\n"app/*.py" = ["XYZ"]', "`per-file-ignores.app/*.py.0`: `XYZ` is neither"),
    ("file-timeout = true", "`file-timeout`: should be a number, not true or false"),
    ("max-file-size = false", "`max-file-size`: should be a number, not true or false"),
])
def test_settings_that_would_quietly_mean_something_else_are_refused(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path / "prodready.toml", text + "\n"))
    assert said in str(error.value)


def test_rule_selectors_are_upper_cased_codes_and_prefixes(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "prodready.toml", 'select = ["ten", "AUTH001"]\nignore = [" ten003 "]\n'))
    assert config.select == ("TEN", "AUTH001") and config.ignore == ("TEN003",)
    assert config.is_enabled("TEN001") and not config.is_enabled("TEN003") and not config.is_enabled("MIG001")
