-- prodready in Neovim: diagnostics and quick fixes from `prodready-lsp` as you type.
--
--   require("prodready").setup({ settings = { tenantFields = { "organization" } } })
--
-- On Neovim 0.11+ the server is configured with `vim.lsp.config` and started by
-- `vim.lsp.enable`; on 0.8-0.10 with `vim.lsp.start`; on 0.7 (Debian's) with
-- `vim.lsp.start_client` and `vim.lsp.buf_attach_client`, one client per project root.
local config = require("prodready.config")

local M = {}

local clients = {} -- project root -> client id, on Neovim 0.7

local function attach_legacy(bufnr)
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" or vim.bo[bufnr].buftype ~= "" then
    return
  end
  local root = config.root_of(path)
  local server = config.server_config()
  server.root_markers = nil
  server.root_dir = root
  server.workspace_folders = { { uri = vim.uri_from_fname(root), name = root } }
  if vim.lsp.start then
    vim.lsp.start(server, { bufnr = bufnr })
    return
  end
  local id = clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(server)
    if id == nil then
      vim.notify("prodready: could not start " .. table.concat(server.cmd, " ")
        .. "; run :checkhealth prodready", vim.log.levels.ERROR)
      return
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
end

function M.setup(opts)
  config.set(opts)
  if vim.lsp.config and vim.lsp.enable then
    vim.lsp.config("prodready", config.server_config())
    vim.lsp.enable("prodready")
    return
  end
  local group = vim.api.nvim_create_augroup("prodready", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = config.options.filetypes,
    callback = function(args)
      attach_legacy(args.buf)
    end,
  })
  -- Buffers opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.options.filetypes, vim.bo[bufnr].filetype) then
      attach_legacy(bufnr)
    end
  end
end

-- The prodready client serving a buffer, if any.
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.lsp.get_clients then -- 0.10+
    return vim.lsp.get_clients({ bufnr = bufnr, name = "prodready" })[1]
  end
  for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if client.name == "prodready" then
      return client
    end
  end
end

return M
