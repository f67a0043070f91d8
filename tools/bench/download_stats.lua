-- wrk script: prints exact totals of a download run in one machine-readable line.
--
-- Usage: wrk ... -s download_stats.lua URL
--
-- It deliberately defines no response() function: when one exists wrk hands every response body
-- to Lua, i.e. copies it into a Lua string, which for a 1 GiB file would measure wrk's copying
-- rather than the server. Without it wrk only parses and discards the bytes. Status errors
-- (non-2xx/3xx) are still counted by wrk itself in summary.errors.status.
--
-- summary.bytes counts every byte read, including those of responses still in flight when the
-- run stopped, so bytes / duration is the transfer rate; requests counts completed responses.

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_DL requests=%d bytes=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d p99_us=%d\n",
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(99)))
end
