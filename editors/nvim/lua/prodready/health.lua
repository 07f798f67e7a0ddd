-- :checkhealth prodready
local config = require("prodready.config")

local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local error = health.error or health.report_error
local info = health.info or health.report_info

local M = {}

function M.check()
  start("prodready")
  local cmd = config.cmd()
  if vim.fn.executable(cmd[1]) ~= 1 then
    error(cmd[1] .. " is not executable", {
      "pip install prodready (in the project's virtual environment), or",
      'require("prodready").setup({ cmd = { "/path/to/.venv/bin/prodready-lsp" } })',
    })
    return
  end
  ok("found " .. vim.fn.exepath(cmd[1]))
  local version_cmd = vim.deepcopy(cmd)
  table.insert(version_cmd, "--version")
  local version = vim.fn.system(version_cmd)
  if vim.v.shell_error == 0 then
    ok("version: " .. vim.trim(version))
  else
    error(table.concat(version_cmd, " ") .. " failed: " .. vim.trim(version))
  end
  -- :checkhealth shows its report in a buffer of its own: look at the files that are open.
  local files = {}
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    local path = vim.api.nvim_buf_get_name(bufnr)
    if vim.api.nvim_buf_is_loaded(bufnr) and path ~= "" and vim.bo[bufnr].buftype == ""
        and vim.tbl_contains(config.options.filetypes, vim.bo[bufnr].filetype) then
      table.insert(files, path)
    end
  end
  if #files == 0 then
    info("open a file of the project to see its root")
  end
  for _, path in ipairs(files) do
    local root = config.root_of(path)
    local marked = false
    for _, marker in ipairs(config.options.root_markers) do
      if vim.loop.fs_stat(root .. "/" .. marker) then
        marked = true
      end
    end
    if marked then
      ok("project root of " .. vim.fn.fnamemodify(path, ":~:.") .. ": " .. root)
    else
      warn("no " .. table.concat(config.options.root_markers, ", ") .. " above " .. path
        .. "; its folder is used as the project root")
    end
  end
end

return M
