import * as assert from "node:assert/strict";
import { test } from "node:test";

import { serverSettings } from "../settings";

test("the server's settings are mirrored and unset ones left to pyproject.toml", () => {
  const values: Record<string, unknown> = {
    enable: true,
    select: ["TEN", "AUTH003"],
    ignore: null,
    tenantFields: ["organization"],
    sqlDialect: null,
    severity: { AUTH005: "hint" },
    path: ["/venv/bin/prodready-lsp"],
    "trace.server": "verbose",
  };
  assert.deepEqual(serverSettings((key) => values[key]), {
    enable: true,
    select: ["TEN", "AUTH003"],
    tenantFields: ["organization"],
    severity: { AUTH005: "hint" },
  });
});
