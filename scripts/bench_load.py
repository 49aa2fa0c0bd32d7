"""Bounded load test (docs/BENCHMARKS.md, "Charge (gunicorn + wrk)").

    .venv/bin/python scripts/bench_load.py [--db FILE] [--write] [--duration 15] [--connections 8]

Starts gunicorn with 2 workers on a free loopback port against the benchmark database (scripts/bench_common.py;
DATABASE_URL, SECRET_KEY and PDLM_INSTANCE_PATH in its environment), logs in once as the national reviewer with
requests (the login form's CSRF token parsed from the page), then for each URL — the big plan's page, the national
map page, its indicators JSON, the Word export of the Koniakary test case — warms both workers up, runs wrk with
one connection (--sequential seconds: the latency of one request at a time) and then bounded
(-t --threads -c --connections -d --duration). A Lua script sends the session cookie, counts the non-2xx answers
and prints p50/p95/p99 (wrk's own --latency gives 50/75/90/99 only). gunicorn is always stopped.
Needs wrk (`apt-get install wrk`). Check: every request of the bounded runs answered 2xx, no socket error.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

TITLE = "Charge (gunicorn + wrk)"
WORKERS = 2
USER_AGENT = "pdlm-bench/1"  # the same for requests and wrk: Flask-Login's "strong" session protection checks it

LUA = r"""
wrk.headers["Cookie"] = os.getenv("PDLM_BENCH_COOKIE")
wrk.headers["User-Agent"] = os.getenv("PDLM_BENCH_UA")
wrk.headers["Accept-Encoding"] = "gzip"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'PDLM_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d,"mean_us":%.1f,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, bad, e.connect, e.read, e.write, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn wsgi:app with WORKERS workers on 127.0.0.1:port; stop() always ends it."""

    def __init__(self, url: str, instance: Path, env: dict | None = None):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = instance / "gunicorn.log"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": bc.SECRET_KEY, "PDLM_INSTANCE_PATH": str(instance),
               "PDLM_DEMO": "0", **(env or {})}
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}",
                 "--timeout", "300", "--graceful-timeout", "5", "--no-control-socket", "wsgi:app"],
                cwd=bc.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, session, timeout: float = 120) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                if session.get(self.base + "/compte/connexion", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def login(session, base: str, email: str = bc.REVIEWER_EMAIL) -> str:
    """Logs in once (the form's CSRF token parsed); returns the Cookie header value."""
    page = session.get(base + "/compte/connexion", timeout=30)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page.text)
    if not m:
        raise RuntimeError("no csrf_token in the login form")
    r = session.post(base + "/compte/connexion", timeout=30, allow_redirects=False,
                     data={"csrf_token": m.group(1), "email": email, "password": bc.PASSWORD})
    if r.status_code != 302:
        raise RuntimeError(f"login refused: HTTP {r.status_code} (a 429 means the login throttle was hit)")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    if not cookie:
        raise RuntimeError("the login set no cookie")
    return cookie


def settle(session, url: str, parallel: int) -> float:
    """`parallel` concurrent requests, twice: each worker pays its cold start (caches, imports), and what an
    earlier wrk run left queued (a sync worker finishes a request whose client left) is served before the next
    measure. Returns the time (s) of one more request, alone."""
    errors: list[str] = []

    def one():
        try:
            r = session.get(url, timeout=600, allow_redirects=False)
            if r.status_code != 200:
                errors.append(f"GET {url}: HTTP {r.status_code}")
        except Exception as e:  # noqa: BLE001  reported below
            errors.append(f"GET {url}: {e}")

    for _ in range(2):
        threads = [threading.Thread(target=one) for _ in range(parallel)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise RuntimeError("warm-up failed: " + "; ".join(errors[:3]))
    t = time.perf_counter()
    one()
    if errors:
        raise RuntimeError("warm-up failed: " + errors[0])
    return time.perf_counter() - t


def wrk(url: str, lua: Path, cookie: str, *, threads: int, connections: int, seconds: float,
        warm_up: bool = False) -> dict:
    seconds = max(1, math.ceil(seconds))  # wrk takes whole seconds
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "120s", "-s", str(lua), url]
    env = {**os.environ, "PDLM_BENCH_COOKIE": cookie, "PDLM_BENCH_UA": USER_AGENT}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 300)
    m = re.search(r"^PDLM_RESULT (\{.*\})$", out.stdout, re.M)
    if out.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}")
    result = json.loads(m.group(1))
    if result["requests"] == 0 and not warm_up:
        raise RuntimeError(f"wrk completed no request against {url} in {seconds:g} s")
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["socket_errors"] = result["connect"] + result["read"] + result["write"] + result["timeout"]
    return result


def run(args) -> bc.Report:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    bench = bc.start(args)
    contents = bench.contents

    import requests

    from plans.demo import data as D

    targets = [
        (f"/plans/{contents.big_plan_id}", f"plan page ({contents.big_plan_actions} actions)"),
        ("/carte-nationale", "national map page"),
        ("/api/carte-nationale/indicateurs.json", "national map indicators (JSON)"),
        (f"/plans/{contents.case_ids[D.TC1_UUID]}/export.docx", "Word export (Koniakary test case)"),
    ]
    work = Path(tempfile.mkdtemp(prefix="pdlm_bench_load_"))
    lua = work / "pdlm.lua"
    lua.write_text(LUA)
    server = Gunicorn(bench.db.url, work)
    rows = []
    try:
        http = requests.Session()
        http.headers["User-Agent"] = USER_AGENT
        http.headers["Accept-Encoding"] = "gzip"
        server.wait_ready(http)
        cookie = login(http, server.base)
        for path, label in targets:
            url = server.base + path
            print(f"  {label}: {path}", file=sys.stderr, flush=True)
            settle(http, url, parallel=2 * WORKERS)
            wrk(url, lua, cookie, threads=args.threads, connections=args.connections, seconds=args.warmup,
                warm_up=True)
            alone = settle(http, url, parallel=args.connections)
            # at least a few requests one at a time, however slow each is
            one = wrk(url, lua, cookie, threads=1, connections=1, seconds=max(args.sequential, 4 * alone))
            loaded = wrk(url, lua, cookie, threads=args.threads, connections=args.connections,
                         seconds=args.duration)
            rows.append((path, label, one, loaded))
    finally:
        server.stop()
        gunicorn_log = server.tail()
        shutil.rmtree(work, ignore_errors=True)
    if server.proc.returncode not in (0, -signal.SIGTERM):
        print(f"gunicorn ended with {server.proc.returncode}:\n{gunicorn_log}", file=sys.stderr)

    def lat(us: float) -> str:
        return bc.ms(us / 1000)

    lines = [
        f"| URL | one at a time: mean latency, req/s | {args.connections} connections: req/s | p50 | p95 | p99 | max | "
        f"requests | non-2xx | socket errors | req/s ÷ ideal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    checks = []
    for path, label, one, loaded in rows:
        ideal = WORKERS / (one["mean_us"] / 1e6)
        lines.append(
            f"| {label}<br>`{path}` | {lat(one['mean_us'])}, {one['rps']:.1f} | **{loaded['rps']:.1f}** | "
            f"{lat(loaded['p50_us'])} | **{lat(loaded['p95_us'])}** | {lat(loaded['p99_us'])} | "
            f"{lat(loaded['max_us'])} | {loaded['requests']} | {loaded['non2xx']} | {loaded['socket_errors']} | "
            f"{loaded['rps'] / ideal:.2f} |")
        errors = loaded["non2xx"] + loaded["socket_errors"] + one["non2xx"] + one["socket_errors"]
        checks.append(bc.Check(
            f"load, {label}: {args.connections} connections", f"{loaded['rps']:.1f} req/s, p95 "
            f"{lat(loaded['p95_us'])}, {errors} not 2xx", "every answer 2xx", errors == 0,
            naive=f"ideal {ideal:.1f} req/s", ratio=f"{loaded['rps'] / ideal:.2f} of the ideal"))
    intro = f"""`scripts/bench_load.py`, against gunicorn with {WORKERS} sync workers (`gunicorn --workers {WORKERS}
wsgi:app`, on 127.0.0.1, the benchmark database) and wrk on the same machine (so wrk and the server share the
CPUs). Logged in once as the national reviewer through the login form (CSRF token included); wrk sends that
session cookie, `Accept-Encoding: gzip` and the same User-Agent. For each URL: a warm-up (concurrent requests so
that both workers load their caches, then {args.warmup:g} s of wrk), then {args.sequential:g} s with one
connection (the latency of one request at a time), then the bounded run: `wrk -t{args.threads}
-c{args.connections} -d{args.duration:g}s --timeout 120s` with a Lua script (`done()` reports
`latency:percentile(50/95/99)` and the answers that were not 2xx, counted in `response()`). Latencies are those of
the bounded run. Baseline: the ideal throughput of {WORKERS} workers each serving one request at a time at the
one-connection latency ({WORKERS} ÷ mean latency); "req/s ÷ ideal" is the share of it reached under load (below
1: the workers and wrk compete for the CPUs). Check: every request answered 2xx, no socket error."""
    return bench.report(TITLE, intro, lines, checks)


def _options(ap) -> None:
    ap.add_argument("--duration", type=float, default=15, help="seconds of each bounded wrk run")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sequential", type=float, default=5, help="seconds of the one-connection run")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of the wrk warm-up")


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv, options=_options)


if __name__ == "__main__":
    sys.exit(main())
