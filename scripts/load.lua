-- wrk script for scripts/load: each thread sends its share of a uses.csv (from
-- scripts/make-bench-data.py) as POST /api/v1/uses, or as POST /api/v1/quotes, and logs each
-- answer's status, event and hash (for the kill test) to OUT/answers-THREAD.txt, and the status and
-- message of each answer that is not 2xx to OUT/refusals-THREAD.txt.
-- Arguments (after --): USES_CSV THREADS OUT TOKEN MODE (uses|quotes) [SKIP: rows each thread skips, as
-- A:B:… by thread, so that a run sends rows no earlier run sent]
local threads = {}

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    local count = tonumber(args[2])
    mode = args[5]
    rows = {}
    local index = 0
    for line in io.lines(args[1]) do
        if index > 0 and (index - 1) % count == id then
            table.insert(rows, line)
        end
        index = index + 1
    end
    local skips = {}
    for skip in (args[6] or ""):gmatch("[^:]+") do table.insert(skips, tonumber(skip)) end
    position = (skips[id + 1] or 0) % #rows
    log = io.open(args[3] .. "/answers-" .. id .. ".txt", "w")
    refusals = io.open(args[3] .. "/refusals-" .. id .. ".txt", "w")
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. args[4]
end

function request()
    position = position % #rows + 1
    local f = {}
    for field in (rows[position] .. ","):gmatch("([^,]*),") do
        table.insert(f, field)
    end
    -- ref, applicant_id, provider_id, product_code, programme, service_amount, used_on, project
    local project = ""
    if f[8] ~= "" then project = string.format(',"project":"%s"', f[8]) end
    local purchase = string.format(
        '"applicant":"%s","provider":"%s","product":"%s","programme":"%s","service_amount":"%s","date":"%s"%s',
        f[2], f[3], f[4], f[5], f[6], f[7], project)
    if mode == "quotes" then
        return wrk.format(nil, "/api/v1/quotes", nil, "{" .. purchase .. "}")
    end
    return wrk.format(nil, "/api/v1/uses", nil, string.format('{"ref":"%s",%s}', f[1], purchase))
end

function response(status, headers, body)
    local event = body:match('"event":(%d+)') or ""
    local hash = body:match('"hash":"(%x+)"') or ""
    log:write(status .. "," .. event .. "," .. hash .. "\n")
    if status >= 300 then
        -- The API's keys are sorted: the message runs to the status that follows it (it may hold
        -- escaped quotes).
        refusals:write(status .. " " .. (body:match('"error":"(.-)","status":') or "") .. "\n")
    end
end

function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
        summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
