// prodready for VS Code: starts `prodready-lsp` over stdio and shows its diagnostics, quick
// fixes and rule documentation.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

import { INSTALL_HINT, resolveServer } from "./server";
import { serverSettings } from "./settings";

const LANGUAGES = [
  "python", "sql", "html", "django-html", "jinja", "jinja-html", "javascript", "javascriptreact",
  "typescript", "typescriptreact", "vue",
];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("prodready");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("prodready.restart", () => restart()),
    vscode.commands.registerCommand("prodready.showOutput", () => output.show()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("prodready.path") || event.affectsConfiguration("prodready.interpreter")) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function start(): Promise<void> {
  const configuration = vscode.workspace.getConfiguration("prodready");
  const server = resolveServer(
    configuration.inspect<string[]>("path"),
    configuration.inspect<string>("interpreter"),
    vscode.workspace.isTrusted,
  );
  if ("error" in server) {
    output.appendLine(server.error);
    const choice = await vscode.window.showErrorMessage(`prodready: ${server.error}`, "Open Settings", "Show Output");
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "prodready.");
    } else if (choice === "Show Output") {
      output.show();
    }
    return;
  }
  output.appendLine(`Starting ${[server.command, ...server.args].join(" ")} (from ${server.source})`);
  const serverOptions: ServerOptions = {
    command: server.command,
    args: server.args,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: "file", language },
      { scheme: "untitled", language },
    ]),
    initializationOptions: serverSettings((key) => configuration.get(key)),
    // The server asks for the section "prodready" per folder and is told when it changes.
    synchronize: { configurationSection: "prodready" },
    outputChannel: output,
  };
  client = new LanguageClient("prodready", "prodready", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    output.appendLine(`prodready-lsp did not start: ${error}`);
    void vscode.window.showErrorMessage(
      `prodready: ${[server.command, ...server.args].join(" ")} did not start. ${INSTALL_HINT}`, "Show Output",
    ).then((choice) => choice && output.show());
    client = undefined;
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    await running.stop();
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
