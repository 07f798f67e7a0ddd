"""The editor's settings for prodready, and how they sit on top of `[tool.prodready]`.

Editors send them in `initializationOptions` and answer `workspace/configuration` for the
section "prodready", per workspace folder. A key the editor leaves out keeps the value from the
project's own configuration, so a team's pyproject.toml still decides what nobody overrides.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from analyzer.config import Config, RuleSelector, valid_dialect

SECTION = "prodready"
SeverityName = Literal["error", "warning", "information", "hint"]


class Settings(BaseModel):
    """`prodready.*` in the editor. Unknown keys are ignored: an older server must not refuse a
    newer extension's settings."""

    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True, frozen=True)

    enable: bool = True
    select: tuple[RuleSelector, ...] | None = None
    ignore: tuple[RuleSelector, ...] | None = None
    tenant_fields: tuple[str, ...] | None = None
    sql_dialect: Annotated[str, AfterValidator(valid_dialect)] | None = None
    # Rule code or prefix -> the severity its diagnostics are shown with ("TEN": "warning").
    severity: dict[str, SeverityName] = {}

    def apply(self, config: Config) -> Config:
        """`config` with what these settings override."""
        update: dict[str, Any] = {}
        if self.select is not None:
            update["select"] = self.select
        if self.ignore is not None:
            update["ignore"] = self.ignore
        if self.tenant_fields:
            update["tenant"] = config.tenant.model_copy(update={"fields": self.tenant_fields})
        if self.sql_dialect:
            update["sql"] = config.sql.model_copy(update={"dialect": self.sql_dialect})
        return config.model_copy(update=update) if update else config

    def severity_of(self, code: str) -> SeverityName | None:
        """The override for `code`: the longest matching prefix wins (`TEN001` over `TEN`)."""
        matches = [prefix for prefix in self.severity if code.startswith(prefix.upper())]
        return self.severity[max(matches, key=len)] if matches else None


def parse_settings(raw: Any) -> tuple[Settings, str | None]:
    """Settings from what an editor sent (the section itself, or an object holding it under
    "prodready" or "settings"), and a message for the log when part of it was unusable."""
    if not isinstance(raw, dict):
        return Settings(), None
    for key in (SECTION, "settings"):
        if isinstance(raw.get(key), dict):
            raw = raw[key]
            break
    try:
        return Settings.model_validate(raw), None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        return Settings(), f"prodready settings ignored ({problems})"
