"""Bounds on what one user can make the server do (docs/BENCHMARKS.md, "Limites"; issue 14, item 3).

    .venv/bin/python scripts/bench_limits.py [--db FILE] [--write] [--duration 15]

On a copy of the benchmark database (SQLite, scripts/bench_common.py; the plan imported here would change what the
other benchmarks measure):
(a) the largest plan the bounds allow (plans/core/limits.py; built by plans/demo/largest.py from the Koniakary test
    case): the file's size; its import as a new plan (`import_document`, as `flask plans import`); the same file
    imported again (nothing changes) and what the database grew by; its Word export as the export route does it
    (the plan loaded with `finance.load_options()`, then `render_docx`); the national map's recomputation with it
    (`clear_caches` + `national_base`, every plan of the database read); section 4's page (every objective offered
    every finding);
(b) the big plan's file imported again unchanged, and once with one action changed: what the database grows by;
(c) load: gunicorn with 2 workers; another user (the national reviewer) reads Koniakary's plan page with one wrk
    connection for --duration s, alone, then while two clients (the administrator, `wrk -c2`) loop on the Word export
    of the largest plan; with the bound off (PDLM_HEAVY_SLOTS=0: as before issue 14) and on (the defaults: one Word
    export at a time, no wait, else 503; a user's next export after as long as the last took, else 429).
    Reported: the page's latency (p50, p95, max) and throughput, and the exporters' answers.
Check: the page's p95 under the exporters, bound on, stays within 1 s.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402
import bench_load as bl  # noqa: E402

TITLE = "Limites"
PAGE_P95_BUDGET_MS = 1000.0
LARGEST_UUID = "11111111-2222-4333-8444-555555555555"


def _size(path: Path) -> int:
    """The SQLite file's size once its write-ahead log is folded in."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def _timed(fn):
    t = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t) * 1000, result


def measure_plans(url: str, path: Path) -> dict:
    """(a) and (b), in one process on the copy."""
    from app.extensions import db
    from plans.demo import data as D
    from plans.demo.largest import largest_document
    from plans.documents import plan_document as ex
    from plans.maps import national as nm
    from plans.planning import finance
    from plans.planning.models import Plan, PlanStatus
    from plans.review import planfile, planfile_import

    app = bc.bench_app(url)
    out: dict = {}
    with app.app_context():
        session = db.session
        contents = bc.contents(session)
        koniakary = session.get(Plan, contents.case_ids[D.TC1_UUID])
        document = largest_document(planfile.export_document(session, koniakary))
        document["plan"]["uuid"] = LARGEST_UUID
        data = planfile.document_bytes(document)
        out["file"] = len(data)
        out["read"], _ = _timed(lambda: planfile.read_document(data))
        before = _size(path)
        out["import"], result = _timed(lambda: (planfile_import.import_document(session, data, None,
                                                                                 source="le-plus-grand.json"),
                                                session.commit())[0])
        out["grown_by_import"] = _size(path) - before
        largest_id = result.plan.id
        session.remove()
        before = _size(path)
        out["reimport"], _ = _timed(lambda: (planfile_import.import_document(session, data, None,
                                                                              source="le-plus-grand.json"),
                                             session.commit()))
        out["grown_by_reimport"] = _size(path) - before
        session.remove()

        def word():
            plan = session.get(Plan, largest_id, options=finance.load_options())
            return ex.render_docx(plan, session, ex.SHIPPED_TEMPLATE)
        out["word"], docx = _timed(word)
        out["docx"] = len(docx)
        session.remove()
        nm.clear_caches()
        out["national"], base = _timed(lambda: nm.national_base(session))
        out["national_plans"] = len(base.plans)
        session.remove()
        client = app.test_client()
        bc.login(client)
        out["orientations"], page = _timed(lambda: client.get(f"/plans/{largest_id}/orientations"))
        if page.status_code != 200:
            raise RuntimeError(f"section 4 of the largest plan: HTTP {page.status_code}")
        out["orientations_bytes"] = len(page.data)
        out["pip"], page = _timed(lambda: client.get(f"/plans/{largest_id}/actions"))
        if page.status_code != 200:
            raise RuntimeError(f"the PIP of the largest plan: HTTP {page.status_code}")
        out["pip_bytes"] = len(page.data)

        big = session.get(Plan, contents.big_plan_id)
        big.status = PlanStatus.BROUILLON  # a random plan may be under review: an import would be refused
        session.commit()
        big_file = planfile.document_bytes(planfile.export_document(session, big))
        out["big_file"], out["big_actions"] = len(big_file), contents.big_plan_actions
        planfile_import.import_document(session, big_file, None, source="grand.json")
        session.commit()
        grown = []
        for _ in range(3):
            before = _size(path)
            planfile_import.import_document(session, big_file, None, source="grand.json")
            session.commit()
            grown.append(_size(path) - before)
        out["big_reimport_growth"] = grown
        changed = json.loads(big_file)
        changed["plan"]["actions"][0]["title"] += " (modifiée)"
        before = _size(path)
        planfile_import.import_document(session, json.dumps(changed), None, source="grand-modifie.json")
        session.commit()
        out["big_changed_growth"] = _size(path) - before
        out["largest_id"], out["koniakary_id"] = largest_id, contents.case_ids[D.TC1_UUID]
        session.remove()
    return out


def _wrk_start(url: str, lua: Path, cookie: str, connections: int, seconds: float) -> subprocess.Popen:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "120s", "-s", str(lua),
           url]
    env = {**os.environ, "PDLM_BENCH_COOKIE": cookie, "PDLM_BENCH_UA": bl.USER_AGENT}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wrk_result(proc: subprocess.Popen, seconds: float) -> dict:
    out, err = proc.communicate(timeout=seconds + 300)
    m = re.search(r"^PDLM_RESULT (\{.*\})$", out, re.M)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {out[-1000:]} {err[-1000:]}")
    result = json.loads(m.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure_load(url: str, ids: dict, duration: float, slots: str) -> dict:
    """(c) for one setting of PDLM_HEAVY_SLOTS: the page alone, then beside two looping exporters."""
    import requests

    work = Path(tempfile.mkdtemp(prefix="pdlm_bench_limits_"))
    lua = work / "pdlm.lua"
    lua.write_text(bl.LUA)
    server = bl.Gunicorn(url, work, env={"PDLM_HEAVY_SLOTS": slots})
    try:
        reviewer, exporter, warm = requests.Session(), requests.Session(), requests.Session()
        for http in (reviewer, exporter, warm):
            http.headers["User-Agent"] = bl.USER_AGENT
        server.wait_ready(reviewer)
        page_cookie = bl.login(reviewer, server.base)
        export_cookie = bl.login(exporter, server.base, bc.ADMIN_EMAIL)
        bl.login(warm, server.base, bc.PLANNER_EMAIL)  # another user warms the export: the exporters' turn is now
        page = f"{server.base}/plans/{ids['koniakary_id']}"
        export = f"{server.base}/plans/{ids['largest_id']}/export.docx"
        bl.settle(reviewer, page, parallel=2 * bl.WORKERS)
        r = warm.get(export, timeout=600)
        if r.status_code != 200:
            raise RuntimeError(f"Word export of the largest plan: HTTP {r.status_code}")
        alone = _wrk_result(_wrk_start(page, lua, page_cookie, 1, duration), duration)
        exporters = _wrk_start(export, lua, export_cookie, 2, duration + 4)
        time.sleep(2)  # both exporters busy before the page is measured
        beside = _wrk_result(_wrk_start(page, lua, page_cookie, 1, duration), duration)
        looped = _wrk_result(exporters, duration + 4)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {"alone": alone, "beside": beside, "exporters": looped}


def run(args) -> bc.Report:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    load_start = bc.load_average()
    bench_db = bc.open_database(args)
    if bench_db.sqlite_path is None:
        raise SystemExit("bench_limits.py works on a copy of a SQLite benchmark database")
    folder = Path(tempfile.mkdtemp(prefix="pdlm_bench_limits_db_"))
    try:
        copy = folder / "limits.sqlite3"
        with sqlite3.connect(bench_db.sqlite_path) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        url = f"sqlite:///{copy}"
        m = measure_plans(url, copy)
        load = {slots: measure_load(url, m, args.duration, slots) for slots in ("0", "1")}
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    from plans.core import limits

    mib = lambda n: f"{n / 1024 / 1024:,.1f} MiB".replace(",", " ")  # noqa: E731
    lat = lambda us: bc.ms(us / 1000)  # noqa: E731
    lines = [
        f"The largest plan the bounds allow: {limits.ACTIONS_PER_PLAN} actions, {limits.FUNDING_LINES_PER_PLAN} "
        f"funding lines, every list of every section at its limit, every long text at its length, a history of "
        f"{limits.ROWS['changes'].limit} entries; its file {mib(m['file'])} (the limit: "
        f"{mib(limits.PLAN_FILE_BYTES)}).",
        "",
        "| largest allowed plan | time | |",
        "|---|---:|---|",
        f"| read: JSON parse, counts, JSON Schema (`read_document`) | {bc.ms(m['read'])} | |",
        f"| import as a new plan (`import_document`) | {bc.ms(m['import'])} | "
        f"database +{bc.kib(m['grown_by_import'])} |",
        f"| the same file again (nothing changes) | {bc.ms(m['reimport'])} | database "
        f"{'+' if m['grown_by_reimport'] >= 0 else ''}{bc.kib(m['grown_by_reimport'])} |",
        f"| Word export (as the route: `load_options`, `render_docx`) | {bc.ms(m['word'])} | {bc.kib(m['docx'])} |",
        f"| national map recomputed (`national_base`, {m['national_plans']} plans) | {bc.ms(m['national'])} | |",
        f"| section 4's page (every objective offered every finding) | {bc.ms(m['orientations'])} | "
        f"{mib(m['orientations_bytes'])} |",
        f"| the PIP's page (500 actions) | {bc.ms(m['pip'])} | {mib(m['pip_bytes'])} |",
        "",
        f"Re-import of the big plan's file ({m['big_actions']} actions, {bc.kib(m['big_file'])}), unchanged, three "
        f"times: the database grew by {', '.join(bc.kib(g) for g in m['big_reimport_growth'])} (before issue 14 "
        "every import wrote every section's copy and the file's: about 1.5 × the file each time, 360 KiB for this "
        f"plan's 241 KiB); with one action changed: +{bc.kib(m['big_changed_growth'])} (the actions section and "
        "the file's copy).",
        "",
        "| another user's page (Koniakary's plan, 1 connection) | alone: p50 / p95 / max, req/s | beside two "
        "looping Word exports: p50 / p95 / max, req/s | the exporters: answers, 2xx, refused (503 or 429) |",
        "|---|---:|---:|---:|",
    ]
    def latencies(r: dict, bold: bool = False) -> str:
        if r["requests"] == 0:
            return f"no answer within {args.duration:g} s"
        head = f"{lat(r['p50_us'])} / {lat(r['p95_us'])}"
        return f"{'**' + head + '**' if bold else head} / {lat(r['max_us'])}, {r['rps']:.1f}"

    for slots, label in (("0", "bound off (`PDLM_HEAVY_SLOTS=0`, as before)"), ("1", "bound on (the defaults)")):
        r = load[slots]
        a, b, e = r["alone"], r["beside"], r["exporters"]
        lines.append(f"| {label} | {latencies(a)} | {latencies(b, bold=True)} | "
                     f"{e['requests']}, {e['requests'] - e['non2xx']}, {e['non2xx']} |")
    intro = __doc__.split("\n\n", 2)[2].rsplit("\nCheck:", 1)[0].strip()
    intro = (f"`scripts/bench_limits.py`. {intro}\n\nThe wrk runs last {args.duration:g} s each; the exporters "
             "start 2 s before the page is measured.")
    on = load["1"]["beside"]
    checks = [
        bc.Check("largest allowed plan: import / re-import / Word export / national map",
                 f"{bc.ms(m['import'])} / {bc.ms(m['reimport'])} / {bc.ms(m['word'])} / {bc.ms(m['national'])}"),
        bc.Check(f"re-import of the same file ({m['big_actions']} actions)",
                 f"+{bc.kib(max(m['big_reimport_growth']))} database", naive="before: about 1.5 × the file"),
        bc.budget("another user's page beside two looping Word exports (bound on), p95",
                  on["p95_us"] / 1000 if on["requests"] else float("nan"), PAGE_P95_BUDGET_MS, bc.ms,
                  naive=f"bound off: {latencies(load['0']['beside'])}"),
    ]
    report = bc.Report(TITLE, f"{intro}\n\n" + "\n".join(lines) + "\n\n" + bc.measured_under(bench_db.url,
                                                                                                 load_start), checks)
    return report


def _options(ap) -> None:
    ap.add_argument("--duration", type=float, default=15, help="seconds of each wrk run")


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv, options=_options)


if __name__ == "__main__":
    sys.exit(main())
