#!/usr/bin/env python3
"""Many small uploads over persistent HTTPS connections, the same client for every server.

    put_many.py --kind tollgated|registry|put --url https://127.0.0.1:PORT --cacert CERT \
                --dir DIR [--first N] [--count M] [--workers 8] [--path TEMPLATE] [--repo NAME]

Uploads the files of DIR (sorted by name; --first/--count pick a slice), each once, with
--workers threads. Each thread keeps one keep-alive connection (HTTP/1.1, TLS) and takes the
next file when its previous upload is answered. The kinds:

  tollgated  PUT /api/v1/artifacts/bench/s{stem}/{name} (or --path) with X-Checksum-Sha256 and
             Authorization: Bearer $TOLLGATE_TOKEN (the token is read from the environment so
             that it does not show in the process list)
  registry   POST /v2/{repo}/blobs/uploads/, then PUT <Location>&digest=sha256:HEX with the
             body, on the same connection (the Docker registry's monolithic two-step upload)
  put        a plain PUT to --path, e.g. nginx WebDAV

--path is a template: {name} is the file name, {stem} the name without its extension, {index}
its position in the sorted directory. Every upload must answer 201; anything else (including a
failed first step, "post-NNN", or a connection error) counts as failed.

Every file is read and hashed before the clock starts, and every connection (TLS handshake
included) is made before it too; the clock runs from releasing the workers to the last answer.
Prints one JSON object: ok, failed, seconds, plus requests (HTTP requests sent), connections
(made, initial ones included: more than --workers means a server closed a connection),
statuses (count per outcome), client_cpu_seconds (this process, all threads, while the clock
ran: near seconds means the client used a whole core and may be what limits the rate) and the
TLS version and suite of the first connection. Stdlib only.
"""

import argparse
import hashlib
import http.client
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse

PRELOAD_LIMIT = 256 * 1024 * 1024  # bodies up to this much in all are kept in memory


class Counted(http.client.HTTPSConnection):
    """An HTTPSConnection that counts its (re)connections."""

    made = 0
    made_lock = threading.Lock()

    def connect(self):
        super().connect()
        with Counted.made_lock:
            Counted.made += 1


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kind", choices=("tollgated", "registry", "put"), required=True)
    p.add_argument("--url", required=True, help="https://HOST:PORT of the server")
    p.add_argument("--cacert", required=True, help="CA file (PEM) to verify the server with")
    p.add_argument("--dir", required=True, help="directory of files to upload, one upload each")
    p.add_argument("--first", type=int, default=0, help="first file (sorted by name) [0]")
    p.add_argument("--count", type=int, help="how many files [all from --first]")
    p.add_argument("--workers", type=int, default=8, help="parallel connections [8]")
    p.add_argument("--path", help="URL path template ({name}, {stem}, {index})")
    p.add_argument("--repo", default="bench", help="registry repository name [bench]")
    p.add_argument("--timeout", type=float, default=60.0, help="socket timeout, seconds [60]")
    a = p.parse_args()
    if a.workers < 1 or a.first < 0 or (a.count is not None and a.count < 0):
        p.error("--workers must be positive, --first and --count not negative")
    if a.kind == "put" and not a.path:
        p.error("--kind put needs --path")
    if a.kind == "tollgated":
        a.path = a.path or "/api/v1/artifacts/bench/s{stem}/{name}"
        a.token = os.environ.get("TOLLGATE_TOKEN", "")
        if not a.token:
            p.error("--kind tollgated needs TOLLGATE_TOKEN in the environment")
    u = urllib.parse.urlsplit(a.url)
    if u.scheme != "https" or not u.hostname:
        p.error("--url must be https://HOST[:PORT]")
    a.host, a.port = u.hostname, u.port or 443
    return a


def load(a):
    names = sorted(n for n in os.listdir(a.dir) if os.path.isfile(os.path.join(a.dir, n)))
    end = len(names) if a.count is None else a.first + a.count
    if end > len(names):
        sys.exit(f"put_many.py: {a.dir} has {len(names)} files, asked for {a.first}..{end - 1}")
    total = sum(os.path.getsize(os.path.join(a.dir, n)) for n in names[a.first:end])
    jobs = []
    for index in range(a.first, end):
        name = names[index]
        with open(os.path.join(a.dir, name), "rb") as f:
            data = f.read()
        job = {
            "index": index,
            "name": name,
            "stem": os.path.splitext(name)[0],
            "hex": hashlib.sha256(data).hexdigest(),
            "file": os.path.join(a.dir, name),
        }
        if total <= PRELOAD_LIMIT:
            job["data"] = data
        jobs.append(job)
    return jobs


def body_of(job):
    if "data" in job:
        return job["data"]
    with open(job["file"], "rb") as f:
        return f.read()


def upload(a, conn, job):
    """One upload; returns its outcome ("201" is success) and the HTTP requests it sent."""
    body = body_of(job)
    headers = {"Content-Type": "application/octet-stream"}
    if a.kind == "registry":
        conn.request("POST", f"/v2/{a.repo}/blobs/uploads/")
        r = conn.getresponse()
        r.read()
        location = r.getheader("Location") or ""
        if r.status != 202 or not location:
            return f"post-{r.status}", 1
        loc = urllib.parse.urlsplit(location)  # absolute, with a signed _state: keep it all
        query = f"{loc.query}&" if loc.query else ""
        path = f"{loc.path}?{query}digest=sha256:{job['hex']}"
        conn.request("PUT", path, body=body, headers=headers)
        requests = 2
    else:
        path = a.path.format(name=job["name"], stem=job["stem"], index=job["index"])
        if a.kind == "tollgated":
            headers["Authorization"] = f"Bearer {a.token}"
            headers["X-Checksum-Sha256"] = job["hex"]
        conn.request("PUT", path, body=body, headers=headers)
        requests = 1
    r = conn.getresponse()
    r.read()
    return str(r.status), requests


def main():
    a = parse_args()
    jobs = load(a)
    ctx = ssl.create_default_context(cafile=a.cacert)
    next_job = iter(jobs)
    lock = threading.Lock()
    statuses = {}
    requests = [0]
    cipher = [None]
    start = threading.Barrier(a.workers + 1)

    def tally(outcome, sent):
        with lock:
            statuses[outcome] = statuses.get(outcome, 0) + 1
            requests[0] += sent

    def worker():
        conn = Counted(a.host, a.port, context=ctx, timeout=a.timeout)
        try:
            conn.connect()
            with lock:
                if cipher[0] is None and conn.sock is not None:
                    name, version, _ = conn.sock.cipher()
                    cipher[0] = f"{version} / {name}"
        except Exception as e:  # noqa: BLE001 - never leave the others waiting at the barrier
            tally(f"connect-{type(e).__name__}", 0)
            conn.close()  # http.client opens it again for the first request
        try:
            start.wait()
        except threading.BrokenBarrierError:
            return
        while True:
            with lock:
                job = next(next_job, None)
            if job is None:
                break
            try:
                tally(*upload(a, conn, job))
            except (OSError, http.client.HTTPException) as e:
                tally(f"error-{type(e).__name__}", 1)
                conn.close()  # the next upload connects again
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.workers)]
    for t in threads:
        t.start()
    start.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.join()
    t1, c1 = time.perf_counter(), time.process_time()

    ok = statuses.get("201", 0)
    print(json.dumps({
        "ok": ok,
        "failed": len(jobs) - ok,  # also an upload whose thread died without an answer
        "seconds": round(t1 - t0, 6),
        "requests": requests[0],
        "connections": Counted.made,
        "statuses": statuses,
        "client_cpu_seconds": round(c1 - c0, 3),
        "tls": cipher[0],
    }))


if __name__ == "__main__":
    main()
