"""Every benchmark in one go (`make bench`), written into docs/BENCHMARKS.md.

    .venv/bin/python scripts/bench.py [--db FILE] [--plans N] [--actions 40] [--runs N] [--duration 15] [name ...]

Prepares the benchmark database once (scripts/bench_common.py: migrated, territory loaded, the three test cases,
one random plan of --actions actions on every commune without a plan — or --plans N —, and a plan of
--big-actions actions; each step timed), re-times the territory load on it, then runs each bench script with
`--db` and `--write`: national map, plan map, Word export, comparison, plan file, pages and saves, the national
desk (dashboard, exports, territory totals, the national map after a save), the execution (its page and
the annual review of the big plan with a year recorded on every action), load test (gunicorn + wrk), the
bounds (bench_limits.py: the largest allowed plan, another user's page beside looping Word exports).
Each script replaces its own section of docs/BENCHMARKS.md; this one writes "Machine", "Résumé" (every budget
and ratio) and "Territoire et données de démonstration". Names (`national_map docx`) run only those scripts (and
leave "Machine" and "Résumé" alone). A temporary database is removed at the end unless --keep; --db is kept.

With --postgresql (what `make bench` passes), the scripts of POSTGRESQL_SCRIPTS run once more on a throw-away
PostgreSQL server (scripts/pg_test_server.sh, Debian's postgresql package) holding a benchmark database of the same
sizes; their sections are named after the engine.

Small run, to check that everything works: `make bench BENCH_ARGS="--plans 30 --actions 10 --duration 3"`.
Exit status: 0 all measured and within budget, 2 a budget exceeded, 1 a benchmark failed (the others still run).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_common as bc  # noqa: E402

SCRIPTS = ("national_map", "plan_map", "docx", "compare", "planfile", "pages", "desk", "execution", "load",
           "limits")
# With --postgresql, these run a second time on a PostgreSQL copy of the benchmark database (issue 12 asks both).
POSTGRESQL_SCRIPTS = ("pages", "desk")
LOAD_OPTIONS = ("duration", "connections", "threads")
SEED_TITLE = "Territoire et données de démonstration"


def _arguments(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(SCRIPTS)}")
    ap.add_argument("--db", default=None, help="SQLite file or postgresql:// URL to create or reuse (kept)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary database and print its path")
    ap.add_argument("--plans", type=int, default=None,
                    help="random plans (default: one on every commune without a plan)")
    ap.add_argument("--actions", type=int, default=bc.DEFAULT_ACTIONS, help="actions per random plan")
    ap.add_argument("--big-actions", type=int, default=bc.DEFAULT_BIG_ACTIONS,
                    help="actions of the big plan (plan map, Word, comparison, plan file)")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per measure (default: each script's own)")
    ap.add_argument("--duration", type=float, default=None, help="seconds of each bounded wrk run (default 15)")
    ap.add_argument("--connections", type=int, default=None, help="wrk connections (default 8)")
    ap.add_argument("--threads", type=int, default=None, help="wrk threads (default 2)")
    ap.add_argument("--no-write", action="store_true", help="print the sections only")
    ap.add_argument("--postgresql", action="store_true",
                    help=f"also run {', '.join(POSTGRESQL_SCRIPTS)} on PostgreSQL: a throw-away server "
                         "(scripts/pg_test_server.sh) and a benchmark database of the same sizes")
    args = ap.parse_args(argv)
    wanted = [n.removeprefix("bench_").removesuffix(".py") for n in args.names]
    unknown = [n for n in wanted if n not in SCRIPTS]
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(unknown)} (known: {', '.join(SCRIPTS)})")
    args.names = wanted or list(SCRIPTS)
    return args


def seed_report(bench_db: bc.BenchDB, load_start: str) -> bc.Report:
    """The set-up of the benchmark database (times of the run that created it) and a territory re-load now."""
    from app.extensions import db
    from plans.territory.loader import load_geodata

    app = bc.bench_app(bench_db.url)
    with app.app_context():
        contents = bc.contents(db.session)
        t = time.perf_counter()
        report = load_geodata(db.session, app.config["GEODATA_DIR"])
        reload_s = time.perf_counter() - t
        db.session.rollback()
        db.session.remove()
    territory = report.summary()
    steps, sizes = bench_db.steps, bench_db.sizes
    plans = contents.plans - len(contents.case_ids) - 1
    per_plan = steps["random_plans"] / plans if plans > 0 else 0
    size = bench_db.sqlite_path.stat().st_size if bench_db.sqlite_path and bench_db.sqlite_path.exists() else None
    when = ("measured now" if bench_db.created else
            f"measured when the database was created, {sizes.get('created_at', '?')} (load average then "
            f"{sizes.get('load_average', '?')}); the database was reused")
    secs = lambda x: f"{x:,.1f} s".replace(",", " ")  # noqa: E731
    rows = [
        ("migrate: `flask_migrate.upgrade()` on an empty database", steps["migrate"]),
        ("territory load: `plans.territory.loader.load_geodata` (régions, cercles, communes, neighbours)",
         steps["territory"]),
        ("three accounts (admin, national reviewer, planner of Koniakary; password hashing)", steps["accounts"]),
        ("the three test cases (`plans.demo.seed.seed_test_cases`)", steps["test_cases"]),
        (f"random plans: `plans.demo.seed.seed_random_plans` — {plans} plans × {sizes.get('actions', '?')} actions "
         f"({bc.ms(per_plan * 1000)} per plan)", steps["random_plans"]),
        (f"the big plan ({contents.big_plan_actions} actions)", steps["big_plan"]),
    ]
    total = sum(v for _, v in rows)
    lines = ["| step | time |", "|---|---:|"]
    lines += [f"| {label} | {secs(seconds)} |" for label, seconds in rows]
    lines += [f"| **database ready** | **{secs(total)}** |",
              "| territory re-load on the full database (what `flask geodata load` does again: every unit "
              f"compared, nothing written) | {secs(reload_s)} |"]
    body = f"""Made by `scripts/bench_common.py` (`prepare`), {when}: a new SQLite file (or an empty PostgreSQL
database given with `--db`), each step timed on its own and committed. The random plans go through the same
section `apply()` functions as typed ones (`plans/demo/seed.py`), one commit per plan. The re-load was timed in this
run. No naive baseline: these are set-up times, recorded so that a slower machine or a slower loader shows.

The database: {contents.plans} plans ({len(contents.case_ids)} test cases), {contents.actions} actions;
{contents.communes_with_plan} of the {contents.communes} communes of the territory have a plan;
{f"{size / 1024 / 1024:,.0f} MiB on disk".replace(",", " ") if size else "PostgreSQL"}. Territory re-load: {territory}.

{chr(10).join(lines)}

{bc.measured_under(bench_db.url, load_start)}"""
    checks = [bc.Check(f"territory load ({contents.communes} communes)", secs(steps["territory"])),
              bc.Check("territory re-load (nothing to write)", secs(reload_s)),
              bc.Check(f"demo seed: {plans} plans × {sizes.get('actions', '?')} actions + the big plan",
                       secs(steps["random_plans"] + steps["big_plan"]))]
    return bc.Report(SEED_TITLE, body, checks)


def summary_report(rows: list[dict], outcomes: dict[str, str]) -> bc.Report:
    lines = ["| section | measure | measured | budget | | naive baseline | ratio |", "|---|---|---:|---:|:-:|---|---|"]
    for r in rows:
        mark = "" if r["ok"] is None else ("✓" if r["ok"] else "**✗ over**")
        lines.append(f"| {r['section']} | {r['what']} | {r['measured']} | {r['budget']} | {mark} | {r['naive']} | "
                     f"{r['ratio']} |")
    failed = [f"`{name}` {state}" for name, state in outcomes.items() if state != "ok"]
    body = ("Every budget of the issues and every ratio to a naive baseline, from the sections below (each says how "
            "it was measured).\n\n" + "\n".join(lines))
    if failed:
        body += "\n\nNot all went well: " + ", ".join(failed) + "."
    return bc.Report("Résumé", body)


def machine_report(url: str, load_start: str, started: float, argv: list[str]) -> bc.Report:
    minutes = (time.time() - started) / 60
    command = "scripts/bench.py" + (f" {' '.join(argv)}" if argv else "")
    body = f"""Produced by `{command}` (`make bench`) on {time.strftime("%Y-%m-%d at %H:%M")}, in
{minutes:.1f} min.

{bc.machine(url)}. Load average (1 / 5 / 15 min) at the start {load_start}, at the end {bc.load_average()}: with
{os.cpu_count()} CPUs, a load above {os.cpu_count()} means other processes shared them while measuring, and the
times below are then upper bounds."""
    return bc.Report("Machine", body)


def run_script(name: str, db: str, args, summary: Path, outcomes: dict[str, str], key: str) -> None:
    script = HERE / f"bench_{name}.py"
    cmd = [sys.executable, str(script), "--db", db, "--summary", str(summary)]
    cmd += [] if args.no_write else ["--write"]
    cmd += [] if args.runs is None else ["--runs", str(args.runs)]
    if name == "load":
        for option in LOAD_OPTIONS:
            value = getattr(args, option)
            cmd += [] if value is None else [f"--{option}", f"{value:g}"]
    if name == "limits" and args.duration is not None:
        cmd += ["--duration", f"{args.duration:g}"]
    print(f"\n### {script.name} ({key})\n", flush=True)
    t = time.perf_counter()
    rc = subprocess.call(cmd, cwd=bc.ROOT)
    outcomes[key] = {0: "ok", 2: "over budget"}.get(rc, f"FAILED ({rc})")
    print(f"\n{script.name}: {outcomes[key]} in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)


def on_postgresql(args, summary: Path, outcomes: dict[str, str]) -> None:
    """POSTGRESQL_SCRIPTS on a throw-away server: a database made like the SQLite one, then the server removed."""
    import sqlalchemy as sa

    folder = Path(tempfile.mkdtemp(prefix="pdlm_bench_pg_"))
    folder.chmod(0o755)  # as root, the server runs as the postgres user, who must reach its folder
    server = str(HERE / "pg_test_server.sh")
    try:
        started = subprocess.run(["bash", server, "start", str(folder / "server")], capture_output=True, text=True)
        if started.returncode:
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr.strip()[-300:]}")
        url = started.stdout.strip()
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(sa.text("CREATE DATABASE pdlm_bench"))
        engine.dispose()
        db = url.rsplit("/", 1)[0] + "/pdlm_bench"
        bc.prepare(db, plans=args.plans, actions=args.actions, big_actions=args.big_actions)
        for name in POSTGRESQL_SCRIPTS:
            if name in args.names:
                run_script(name, db, args, summary, outcomes, f"{name} (PostgreSQL)")
    finally:
        subprocess.call(["bash", server, "stop", str(folder / "server")])
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    started, load_start = time.time(), bc.load_average()
    temporary = None
    db = args.db
    if db is None:
        temporary = Path(tempfile.mkdtemp(prefix="pdlm_bench_"))
        db = str(temporary / "bench.sqlite3")
    summary = Path(tempfile.mkstemp(prefix="pdlm_bench_summary_", suffix=".jsonl")[1])
    outcomes: dict[str, str] = {}
    try:
        bench_db = bc.prepare(db, plans=args.plans, actions=args.actions, big_actions=args.big_actions)
        everything = args.names == list(SCRIPTS)
        if everything:
            seed = seed_report(bench_db, load_start)
            bc.finish(seed, argparse.Namespace(write=not args.no_write, summary=str(summary)))
        for name in args.names:
            run_script(name, db, args, summary, outcomes, name)
        if args.postgresql:
            try:
                on_postgresql(args, summary, outcomes)
            except (OSError, RuntimeError) as error:
                outcomes["PostgreSQL"] = f"FAILED ({error})"
        if everything and not args.no_write:
            rows = [json.loads(line) for line in summary.read_text(encoding="utf-8").splitlines() if line.strip()]
            bc.write_section("Résumé", summary_report(rows, outcomes).body)
            bc.write_section("Machine", machine_report(bench_db.url, load_start, started, argv).body)
            print(f"\nwritten: {bc.BENCHMARKS.relative_to(bc.ROOT)}", file=sys.stderr)
    finally:
        summary.unlink(missing_ok=True)
        if temporary is not None:
            if args.keep:
                print(f"benchmark database kept: {db} (reuse it with --db {db})", file=sys.stderr)
            else:
                shutil.rmtree(temporary, ignore_errors=True)
    bad = {n: s for n, s in outcomes.items() if s != "ok"}
    print(f"\n{time.time() - started:.0f} s; " + (", ".join(f"{n}: {s}" for n, s in bad.items()) if bad
                                                   else "every benchmark ran within its budgets"), file=sys.stderr)
    if any(s.startswith("FAILED") for s in bad.values()):
        return 1
    return 2 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
