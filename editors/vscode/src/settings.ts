// The settings the server reads (see lsp_server/settings.py), from VS Code's `prodready.*`.

export const SERVER_SETTINGS = ["enable", "select", "ignore", "tenantFields", "sqlDialect", "severity"] as const;

/**
 * What goes to the server as `initializationOptions`. A setting left unset (null) is left out,
 * so that the project's `[tool.prodready]` decides it.
 */
export function serverSettings(get: (key: string) => unknown): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const key of SERVER_SETTINGS) {
    const value = get(key);
    if (value !== null && value !== undefined) {
      settings[key] = value;
    }
  }
  return settings;
}
