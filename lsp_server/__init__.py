"""prodready-lsp: the language server (diagnostics and quick fixes in the editor)."""
