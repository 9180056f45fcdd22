-- Stand-ins for the Neovim 0.10 functions that docs/editors.md's 0.10+ recipe calls, made of
-- Neovim 0.7's own, so that tests/editors/neovim.test.ts can run that recipe in Debian 12's
-- Neovim 0.7.2 (loaded with --cmd, before the recipe). Each does what the recipe needs of the
-- real one, no more; where Neovim has the function, it is left alone.

-- 0.7 reads the table of vim.filetype.add only with Lua filetype detection on (0.9's default).
vim.g.do_filetype_lua = 1

if not vim.fs then
  vim.fs = {}
end
if not vim.fs.root then
  -- The nearest directory, from the buffer's upwards, that holds one of `markers`.
  function vim.fs.root(buf, markers)
    local dir = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ":p:h")
    while true do
      for _, marker in ipairs(markers) do
        if vim.loop.fs_stat(dir .. "/" .. marker) then
          return dir
        end
      end
      local parent = vim.fn.fnamemodify(dir, ":h")
      if parent == dir then
        return nil
      end
      dir = parent
    end
  end
end

if not vim.lsp.start then
  -- One client per name and root directory, attached to the current buffer.
  local started = {}
  function vim.lsp.start(config)
    local key = config.name .. "\0" .. config.root_dir
    local id = started[key]
    if not (id and vim.lsp.get_client_by_id(id)) then
      id = vim.lsp.start_client(config)
      started[key] = id
    end
    vim.lsp.buf_attach_client(vim.api.nvim_get_current_buf(), id)
    return id
  end
end

if not vim.lsp.buf.format then
  function vim.lsp.buf.format(_)
    vim.lsp.buf.formatting_sync()
  end
end
