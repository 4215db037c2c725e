-- Drives cilint lsp with Neovim's built-in LSP client, headless: opens
-- the pipeline, waits for the server's diagnostics, asks for a hover,
-- and writes what it got to $OUT, one fact a line. The Go test reads
-- that file and asserts.
local out = {}
local function put(s) table.insert(out, s) end

vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("PIPELINE")))
local buf = vim.api.nvim_get_current_buf()
local config = { name = "cilint", cmd = { os.getenv("CILINT"), "lsp" }, root_dir = os.getenv("ROOT") }
local id
if vim.lsp.start then
  id = vim.lsp.start(config) -- Neovim 0.8 and later
else
  id = vim.lsp.start_client(config) -- Debian bookworm's 0.7
  vim.lsp.buf_attach_client(buf, id)
end

local got = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
if not got then put("no diagnostics") end
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code
  if code == nil and d.user_data and d.user_data.lsp then code = d.user_data.lsp.code end
  put(string.format("diagnostic %d:%d %s [%s]", d.lnum + 1, d.col + 1, d.message, tostring(code)))
end

local client = vim.lsp.get_client_by_id(id)
local line = tonumber(os.getenv("HOVER_LINE")) - 1
local col = tonumber(os.getenv("HOVER_COL")) - 1
local resp = client.request_sync("textDocument/hover",
  { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = col } }, 30000, buf)
if resp and resp.result then
  put("hover " .. resp.result.contents.value:gsub("\n", " "))
else
  put("no hover: " .. vim.inspect(resp))
end

client.stop()
vim.wait(5000, function() return client.is_stopped() end, 50)
vim.fn.writefile(out, os.getenv("OUT"))
vim.cmd("qa!")
