// Which program serves prodready: the decision, apart from VS Code so that it can be tested.
import * as fs from "node:fs";
import * as path from "node:path";

/** A setting as VS Code's `inspect()` reports it: where each value was set. */
export interface Inspected<T> {
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export interface ServerCommand {
  command: string;
  args: string[];
  /** Which setting chose it, for the output channel and the error messages. */
  source: "prodready.path" | "prodready.interpreter" | "PATH";
}

export const INSTALL_HINT =
  "Install it into the project's environment with `pip install prodready`, or point the " +
  "`prodready.path` or `prodready.interpreter` setting at one that has it.";

/**
 * The value a setting has, heeding workspace trust: in an untrusted workspace only the user's
 * own value counts, so that a repository cannot choose the program the editor runs.
 */
export function effective<T>(inspected: Inspected<T> | undefined, trusted: boolean): T | undefined {
  if (inspected === undefined) {
    return undefined;
  }
  if (!trusted) {
    return inspected.globalValue;
  }
  return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue;
}

/** An executable file of that name on PATH, if any. */
export function which(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const extensions = platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const folder of (env.PATH ?? "").split(path.delimiter)) {
    if (folder === "") {
      continue;
    }
    for (const extension of extensions) {
      const candidate = path.join(folder, name + extension);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) {
          return candidate;
        }
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/**
 * The interpreter's arguments that start the server. Not `-m lsp_server`: the server starts in
 * the workspace, and `-m` would find a package of that name in the project before prodready's
 * own, and run it. The working directory is taken off `sys.path` before the module is found.
 */
export const SERVER_MODULE_ARGS = [
  "-c",
  "import runpy, sys; del sys.path[0]; runpy.run_module('lsp_server', run_name='__main__', alter_sys=True)",
];

/**
 * `prodready.path`, else `prodready.interpreter` running `lsp_server`, else `prodready-lsp` on PATH;
 * a message with the install command when there is none.
 */
export function resolveServer(
  serverPath: Inspected<string[]> | undefined,
  interpreter: Inspected<string> | undefined,
  trusted: boolean,
  find: (name: string) => string | undefined = (name) => which(name),
): ServerCommand | { error: string } {
  const command = (effective(serverPath, trusted) ?? []).filter((part) => part.trim() !== "");
  if (command.length > 0) {
    return { command: command[0], args: command.slice(1), source: "prodready.path" };
  }
  const python = (effective(interpreter, trusted) ?? "").trim();
  if (python !== "") {
    return { command: python, args: SERVER_MODULE_ARGS, source: "prodready.interpreter" };
  }
  const found = find("prodready-lsp");
  if (found !== undefined) {
    return { command: found, args: [], source: "PATH" };
  }
  return { error: `prodready-lsp was not found on PATH. ${INSTALL_HINT}` };
}
