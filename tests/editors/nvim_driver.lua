-- Drives a headless Neovim with the prodready plugin through one editing session and writes
-- what it saw to a JSON file, for tests/editors/test_nvim.py to judge:
--   open a file, wait for prodready's diagnostics, ask for the code actions on one of them,
--   apply its preferred quick fix, and wait for that diagnostic to clear.
-- Inputs come from the environment: PRODREADY_NVIM_FILE, PRODREADY_NVIM_LINE (1-based line of
-- the diagnostic to fix; without it the session ends at the diagnostics), PRODREADY_NVIM_CMD
-- (the server's command), PRODREADY_NVIM_SETTINGS (JSON for setup's settings), PRODREADY_NVIM_OUT.
local file = os.getenv("PRODREADY_NVIM_FILE")
local fix_line = tonumber(os.getenv("PRODREADY_NVIM_LINE"))
local out = os.getenv("PRODREADY_NVIM_OUT")
local timeout = 60000
local seen = { nvim = vim.version(), steps = {} }

local function write()
  local handle = assert(io.open(out, "w"))
  handle:write(vim.fn.json_encode(seen))
  handle:close()
end

local function step(name)
  table.insert(seen.steps, name)
end

local function prodready_diagnostics(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == "prodready" then
      table.insert(found, d)
    end
  end
  table.sort(found, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and tostring(a.code) < tostring(b.code))
  end)
  return found
end

local function summary(diagnostics)
  local rows = {}
  for _, d in ipairs(diagnostics) do
    table.insert(rows, { code = d.code, line = d.lnum + 1, column = d.col + 1, severity = d.severity })
  end
  return rows
end

local function run()
  local settings = os.getenv("PRODREADY_NVIM_SETTINGS")
  require("prodready").setup({
    cmd = vim.split(os.getenv("PRODREADY_NVIM_CMD"), " ", { plain = true }),
    settings = settings and vim.fn.json_decode(settings) or nil,
  })
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  step("opened " .. vim.bo[bufnr].filetype)

  if not vim.wait(timeout, function() return #prodready_diagnostics(bufnr) > 0 end, 50) then
    error("no prodready diagnostics within " .. timeout .. " ms")
  end
  seen.before = summary(prodready_diagnostics(bufnr))
  step("diagnostics")
  if fix_line == nil then
    return
  end

  local target
  for _, d in ipairs(prodready_diagnostics(bufnr)) do
    if d.lnum + 1 == fix_line then
      target = d
    end
  end
  if target == nil then
    error("no diagnostic on line " .. fix_line)
  end
  local client = require("prodready").client(bufnr)
  local lsp_diagnostic = {
    range = {
      start = { line = target.lnum, character = target.col },
      ["end"] = { line = target.end_lnum, character = target.end_col },
    },
    message = target.message,
    code = target.code,
    source = target.source,
    severity = target.severity,
    data = target.user_data and target.user_data.lsp and target.user_data.lsp.data or nil,
  }
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_diagnostic.range,
    context = { diagnostics = { lsp_diagnostic } },
  }
  local response = client.request_sync("textDocument/codeAction", params, timeout, bufnr)
  if response == nil or response.err then
    error("codeAction failed: " .. vim.inspect(response))
  end
  seen.actions = {}
  local chosen
  for _, action in ipairs(response.result or {}) do
    table.insert(seen.actions, { title = action.title, kind = action.kind, preferred = action.isPreferred == true })
    if action.isPreferred and chosen == nil then
      chosen = action
    end
  end
  if chosen == nil then
    error("no preferred code action")
  end
  if chosen.edit == nil then
    local resolved = client.request_sync("codeAction/resolve", chosen, timeout, bufnr)
    chosen = resolved and resolved.result or chosen
  end
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
  seen.applied = chosen.title
  seen.fixed_line = vim.api.nvim_buf_get_lines(bufnr, fix_line - 1, fix_line, false)[1]
  step("applied")

  local function still_there()
    for _, d in ipairs(prodready_diagnostics(bufnr)) do
      if d.lnum + 1 == fix_line and d.code == target.code then
        return true
      end
    end
    return false
  end
  if not vim.wait(timeout, function() return not still_there() end, 50) then
    error(target.code .. " on line " .. fix_line .. " did not clear")
  end
  seen.after = summary(prodready_diagnostics(bufnr))
  step("cleared")
end

local ok, err = pcall(run)
if not ok then
  seen.error = tostring(err)
end
write()
vim.cmd(ok and "qall!" or "cquit!")
