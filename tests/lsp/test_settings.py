"""The editor's settings over the project's configuration."""

from __future__ import annotations

from pathlib import Path

from analyzer.config import Config, TenantConfig
from lsp_server.settings import parse_settings


def test_settings_override_only_what_they_name() -> None:
    project = Config(root=Path("/srv/app"), ignore=("MIG",), tenant=TenantConfig(models=("Account",)))
    settings, problem = parse_settings({"prodready": {"select": ["ten"], "tenantFields": ["account_id"],
                                                      "sqlDialect": "mysql", "futureKey": 1}})
    assert problem is None
    config = settings.apply(project)
    assert config.select == ("TEN",) and config.ignore == ("MIG",)  # left out: the project's value stays
    assert config.tenant.fields == ("account_id",) and config.tenant.models == ("Account",)
    assert config.sql.dialect == "mysql" and config.root == Path("/srv/app")


def test_the_longest_severity_prefix_wins_and_bad_values_are_reported() -> None:
    settings, _ = parse_settings({"severity": {"TEN": "warning", "TEN003": "hint"}})
    assert settings.severity_of("TEN003") == "hint" and settings.severity_of("TEN001") == "warning"
    assert settings.severity_of("AUTH001") is None
    settings, problem = parse_settings({"severity": {"TEN": "loud"}, "enable": False})
    assert settings.enable is True and problem is not None and "severity.TEN" in problem
