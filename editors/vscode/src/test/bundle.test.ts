// The packaged entry point loads on its own: everything but `vscode` is bundled into it.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { test } from "node:test";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("node:module");

test("dist/extension.js loads with only the vscode module provided, and exports activate", () => {
  const wanted: string[] = [];
  const load = Module._load;
  Module._load = function (request: string, ...rest: unknown[]) {
    if (request === "vscode") {
      return new Proxy({}, { get: () => new Proxy(function () {}, { get: () => ({}) }) });
    }
    if (!request.startsWith("node:") && !Module.builtinModules.includes(request) && !request.startsWith(".")) {
      wanted.push(request);
    }
    return load.call(this, request, ...rest);
  };
  try {
    const extension = require(path.resolve(__dirname, "..", "..", "dist", "extension.js"));
    assert.equal(typeof extension.activate, "function");
    assert.equal(typeof extension.deactivate, "function");
  } finally {
    Module._load = load;
  }
  assert.deepEqual(wanted.filter((name) => name !== "vscode" && !name.includes("extension.js")), []);
});
