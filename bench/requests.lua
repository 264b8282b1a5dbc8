-- wrk script: send prepared requests from a file, each once, split between wrk's
-- threads. File format: one request per line, fields separated by tabs:
--   METHOD <tab> PATH <tab> HEADER: VALUE|HEADER: VALUE... <tab> BODY
-- When a thread has sent all its requests it starts again from its first one; the
-- benchmark prepares more than it needs and checks afterwards.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  requests = {}
  local index = 0
  for line in io.lines(args[1]) do
    if index % nthreads == id then
      local method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
      local header_table = {}
      for name, value in headers:gmatch("([^:|]+): ([^|]*)") do
        header_table[name] = value
      end
      table.insert(requests, wrk.format(method, path, header_table, body))
    end
    index = index + 1
  end
  position = 0
end

function request()
  position = position % #requests + 1
  return requests[position]
end
