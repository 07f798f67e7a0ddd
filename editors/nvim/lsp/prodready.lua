-- prodready's language server for Neovim 0.11+: `vim.lsp.enable("prodready")` picks this up
-- from the runtimepath. `require("prodready").setup()` does both steps and works on 0.7 too.
return require("prodready.config").server_config()
