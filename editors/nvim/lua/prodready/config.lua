-- The options of the plugin, their defaults, and the server configuration built from them.
local M = {}

M.defaults = {
  -- The server's command. Default: `prodready-lsp` from PATH (installed with `pip install prodready`).
  cmd = nil,
  filetypes = {
    "python", "sql", "html", "htmldjango", "jinja", "jinja2", "javascript", "javascriptreact",
    "typescript", "typescriptreact", "vue",
  },
  -- A buffer's project is the nearest folder upwards holding one of these.
  root_markers = { "pyproject.toml", "prodready.toml", "setup.cfg", "setup.py", "manage.py", ".git" },
  -- The server's settings: enable, select, ignore, tenantFields, sqlDialect, severity.
  -- `[tool.prodready]` in pyproject.toml applies under them.
  settings = {},
}

M.options = vim.deepcopy(M.defaults)

function M.set(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  return M.options
end

function M.cmd()
  return M.options.cmd or { "prodready-lsp" }
end

-- The folder holding the nearest root marker above `path`, else the file's own folder.
function M.root_of(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local current = dir
  while true do
    for _, marker in ipairs(M.options.root_markers) do
      if vim.loop.fs_stat(current .. "/" .. marker) then
        return current
      end
    end
    local parent = vim.fn.fnamemodify(current, ":h")
    if parent == current then
      return dir
    end
    current = parent
  end
end

-- The configuration `vim.lsp.config` takes (and, less root_markers, what older versions start).
function M.server_config()
  local settings = M.options.settings or {}
  if next(settings) == nil then
    settings = vim.empty_dict() -- sent as {}, not as the empty list []
  end
  return {
    name = "prodready",
    cmd = M.cmd(),
    filetypes = M.options.filetypes,
    root_markers = M.options.root_markers,
    init_options = settings,
    -- Answers the server's workspace/configuration request for the section "prodready".
    settings = { prodready = settings },
  }
end

return M
