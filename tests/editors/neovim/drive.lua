-- Drives Neovim as a user of a recipe of docs/editors.md would, headless, on the .rnn file it was
-- started with, and writes what it saw as JSON (tests/editors/neovim.test.ts reads it):
--   attach       the filetype, the language servers attached, 'commentstring'
--   hover        the text of the hover window (the recipe's K, or vim.lsp.buf.hover)
--   definition   where the recipe's gd moves the cursor
--   format       :write, which the recipe formats on
--   diagnostics  those of a second, broken file opened with :edit, and what
--                vim.diagnostic.open_float() shows of the first
-- Written for Neovim 0.7 (Lua 5.1, its APIs). The plan comes in $RNNC_NVIM_PLAN.
local plan = vim.fn.json_decode(os.getenv("RNNC_NVIM_PLAN"))
local results = {}

local function wait(ms, condition, what)
  if not vim.wait(ms, condition, 20) then
    error("timed out waiting for " .. what)
  end
end

local function step(name, run)
  local ok, err = pcall(run)
  if not ok then
    results[name] = { error = tostring(err) }
  end
end

local function initialized_clients(buf)
  local names = {}
  for _, client in pairs(vim.lsp.buf_get_clients(buf)) do
    if client.initialized then
      table.insert(names, client.name)
    end
  end
  return names
end

step("attach", function()
  wait(20000, function()
    return #initialized_clients(0) > 0
  end, "a language server to attach and initialize")
  results.attach = {
    filetype = vim.bo.filetype,
    clients = initialized_clients(0),
    commentstring = vim.bo.commentstring,
  }
end)

step("hover", function()
  vim.api.nvim_win_set_cursor(0, { plan.hover.line, plan.hover.col })
  if plan.hover.keys then
    vim.cmd("normal " .. plan.hover.keys)
  else
    vim.lsp.buf.hover()
  end
  local float
  wait(15000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= "" then
        float = win
        return true
      end
    end
    return false
  end, "the hover window")
  results.hover = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false), "\n")
  vim.api.nvim_win_close(float, true)
end)

step("definition", function()
  vim.api.nvim_win_set_cursor(0, { plan.definition.line, plan.definition.col })
  vim.cmd("normal " .. plan.definition.keys)
  wait(15000, function()
    return vim.api.nvim_win_get_cursor(0)[1] ~= plan.definition.line
  end, plan.definition.keys .. " to move the cursor")
  local cursor = vim.api.nvim_win_get_cursor(0)
  results.definition = { line = cursor[1], col = cursor[2], text = vim.api.nvim_get_current_line() }
end)

step("format", function()
  vim.cmd("write")
  results.format = { modified = vim.bo.modified }
end)

step("diagnostics", function()
  vim.cmd("edit " .. vim.fn.fnameescape(plan.broken))
  local buf = vim.api.nvim_get_current_buf()
  wait(20000, function()
    return #vim.diagnostic.get(buf) > 0
  end, "diagnostics of " .. plan.broken)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(found, { line = d.lnum, col = d.col, message = d.message, code = d.code or lsp.code })
  end
  -- What the recipe's page says shows a diagnostic with its hint.
  vim.api.nvim_win_set_cursor(0, { found[1].line + 1, found[1].col })
  local _, float = vim.diagnostic.open_float()
  local shown = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false), "\n")
  vim.api.nvim_win_close(float, true)
  local servers = {}
  for _, client in pairs(vim.lsp.get_active_clients()) do
    table.insert(servers, client.name)
  end
  results.diagnostics = { found = found, shown = shown, clients = initialized_clients(buf), servers = servers }
end)

vim.fn.writefile({ vim.fn.json_encode(results) }, plan.results)
vim.cmd("qa!")
