import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

import { effective, resolveServer, SERVER_MODULE_ARGS, which } from "../server";

const nowhere = () => undefined;

test("prodready.path comes first, then the interpreter, then PATH", () => {
  const onPath = () => "/usr/local/bin/prodready-lsp";
  assert.deepEqual(resolveServer({ globalValue: ["/venv/bin/prodready-lsp", "--log-level", "INFO"] },
    { globalValue: "/usr/bin/python3" }, true, onPath),
  { command: "/venv/bin/prodready-lsp", args: ["--log-level", "INFO"], source: "prodready.path" });
  assert.deepEqual(resolveServer({ globalValue: [] }, { globalValue: "/venv/bin/python" }, true, onPath),
    { command: "/venv/bin/python", args: SERVER_MODULE_ARGS, source: "prodready.interpreter" });
  assert.deepEqual(resolveServer({ globalValue: [] }, { globalValue: "  " }, true, onPath),
    { command: "/usr/local/bin/prodready-lsp", args: [], source: "PATH" });
});

test("no server anywhere: the message says how to install one", () => {
  const result = resolveServer(undefined, undefined, true, nowhere);
  assert.ok("error" in result);
  assert.match(result.error, /pip install prodready/);
  assert.match(result.error, /prodready\.interpreter/);
});

test("an untrusted workspace cannot choose the program: only the user's own settings count", () => {
  const fromRepository = { workspaceValue: ["./evil.sh"] };
  const ignored = resolveServer(fromRepository, { workspaceFolderValue: "./python" }, false, nowhere);
  assert.ok("error" in ignored && ignored.error.startsWith("prodready-lsp was not found on PATH"));
  assert.deepEqual(resolveServer({ ...fromRepository, globalValue: ["/home/me/.venv/bin/prodready-lsp"] },
    undefined, false, nowhere),
  { command: "/home/me/.venv/bin/prodready-lsp", args: [], source: "prodready.path" });
  assert.deepEqual(resolveServer(fromRepository, undefined, true, nowhere),
    { command: "./evil.sh", args: [], source: "prodready.path" });
});

test("the innermost scope wins in a trusted workspace", () => {
  assert.equal(effective({ globalValue: "a", workspaceValue: "b", workspaceFolderValue: "c" }, true), "c");
  assert.equal(effective({ globalValue: "a", workspaceValue: "b" }, true), "b");
  assert.equal(effective({ globalValue: "a", workspaceValue: "b", workspaceFolderValue: "c" }, false), "a");
  assert.equal(effective(undefined, true), undefined);
});

test("which finds an executable file on PATH and skips the rest", () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "prodready-which-"));
  const other = fs.mkdtempSync(path.join(os.tmpdir(), "prodready-which-"));
  fs.writeFileSync(path.join(other, "prodready-lsp"), "not executable", { mode: 0o644 });
  fs.mkdirSync(path.join(folder, "sub"));
  const server = path.join(folder, "prodready-lsp");
  fs.writeFileSync(server, "#!/bin/sh\n", { mode: 0o755 });
  const env = { PATH: [other, path.join(folder, "sub"), folder].join(path.delimiter) };
  if (process.platform !== "win32") {
    assert.equal(which("prodready-lsp", env, "linux"), server);
    assert.equal(which("prodready-lsp", { PATH: other }, "linux"), undefined);
  }
  assert.equal(which("prodready-lsp", { PATH: "" }, "linux"), undefined);
});
