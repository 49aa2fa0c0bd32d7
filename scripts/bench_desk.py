"""Benchmark of the DGCT's desk at national scale (docs/BENCHMARKS.md, "Bureau national (SQLite)" or
"(PostgreSQL)", after the engine of --db).

    .venv/bin/python scripts/bench_desk.py [--db FILE|URL] [--write] [--runs 10] [--rounds 5]

On the benchmark database (scripts/bench_common.py: every commune holds a random plan of 40 actions), with the
Flask test client logged in as the admin (who reads every plan):
- the plan summaries filled once (`plans.planning.summary.refresh_stale`: what `flask setup` does on a database
  that had none; 0 when the database already has them);
- the dashboard `/revue/plans` (first page; sorted on cost, page 3; filtered on a région at « 20 % » of diaspora
  share) and the figures by territory `/revue/territoires` (the country; one région): cold, then --runs warm;
- every export of the whole country: the five CSV files and the XLSX workbook, each downloaded first as the
  database's first download (plans/reporting/export_parts.py writes every plan's part), then after one plan's save
  (3 times: a save, a download), then again with nothing changed (3 times);
- the first national map request after one plan's save, for each of its three requests: --rounds times, a plan's
  action is changed and committed (the save refreshes that plan's summary: timed too), then the request timed;
- naive baseline: recomputing every plan's figures (`summary.refresh_all`, rolled back), what the first national
  map request after a save cost before the summaries (the map rebuilt every plan).
Budgets (issue 15): dashboard ≤ 300 ms warm, any CSV ≤ 1 s, the whole-country XLSX ≤ 3 s, territory totals
≤ 300 ms, the first national map request after a save ≤ 300 ms.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

DASHBOARD_BUDGET_MS = 300.0
CSV_BUDGET_MS = 1000.0
XLSX_BUDGET_MS = 3000.0
TERRITORY_BUDGET_MS = 300.0
AFTER_SAVE_BUDGET_MS = 300.0
DASHBOARD = (("first page", "/revue/plans"), ("sorted on cost, page 3", "/revue/plans?tri=cout&ordre=desc&page=3"),
             ("Kayes, diaspora share at least « 20 % »", "/revue/plans?region=ML01&indicateur=diaspora&min=20+%25"))
TERRITORY = (("by région", "/revue/territoires"), ("Kayes by cercle", "/revue/territoires?region=ML01"))
EXPORTS = ("plans", "actions", "financements", "indicateurs", "associations")
MAP_URLS = ("/api/carte-nationale/indicateurs.json", "/api/carte-nationale/actions.json", "/carte-nationale")


def title_for(url: str) -> str:
    return f"Bureau national ({'SQLite' if url.startswith('sqlite') else 'PostgreSQL'})"


def _get(client, url: str) -> tuple[float, int]:
    t = time.perf_counter()
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    dt = (time.perf_counter() - t) * 1000
    if r.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {r.status_code}")
    return dt, len(r.get_data())


def run(args) -> bc.Report:
    # One admin times every export several times in a row: the pool's turns (a user's next export waits as long as
    # the last took, else 429; plans/core/pool.py, measured by bench_limits.py) would refuse the repeats.
    bench = bc.start(args, HEAVY_TURNS=False)
    runs, contents = bench.runs, bench.contents

    import sqlalchemy as sa

    from app.extensions import db
    from plans.planning import summary as plan_summary
    from plans.planning.models import Action

    with bench.app.app_context():
        t = time.perf_counter()
        filled = plan_summary.refresh_stale(db.session)
        db.session.commit()
        fill_s = time.perf_counter() - t
        t = time.perf_counter()
        recomputed = plan_summary.refresh_all(db.session)
        naive_ms = (time.perf_counter() - t) * 1000
        db.session.rollback()
        action_ids = list(db.session.scalars(sa.select(sa.func.min(Action.id)).group_by(Action.plan_id)
                                             .order_by(Action.plan_id).limit(max(args.rounds, 1) * 7)))[::7]
        db.session.remove()

    client = bench.client()
    checks: list[bc.Check] = []
    lines = [f"{contents.plans} plans, {contents.actions} actions. Summaries filled at the start: {filled} "
             f"({fill_s:.1f} s). Naive baseline — every plan's figures recomputed, as the first national map "
             f"request after a save did before the summaries: {bc.ms(naive_ms)} ({recomputed} plans).", "",
             "| request | cold | warm median (min–max) | bytes |", "|---|---:|---:|---:|"]
    for group, pages, budget in (("dashboard", DASHBOARD, DASHBOARD_BUDGET_MS),
                                 ("territory totals", TERRITORY, TERRITORY_BUDGET_MS)):
        for label, url in pages:
            times = bc.time_page(client, url, runs)
            warm = statistics.median(times.warm)
            lines.append(f"| {group}, {label} (`{url}`) | {bc.ms(times.cold)} | {bc.spread(times.warm)} | "
                         f"{bc.kib(len(times.sent))} |")
            checks.append(bc.budget(f"{group}, {label}, warm", warm, budget, bc.ms))

    lines += ["", "| export of the whole country | first download (every part written) | after one plan's save, "
                  "median of 3 (min–max) | again, nothing changed | size |", "|---|---:|---:|---:|---:|"]
    for entity, url in [(e, f"/revue/export/{e}.csv") for e in EXPORTS] + [("xlsx", "/revue/export/plans.xlsx")]:
        first, size = _get(client, url)
        after = []
        for i in range(3):
            _touch_one_plan(bench.app, action_ids[i % len(action_ids)], i)
            after.append(_get(client, url)[0])
        again = [_get(client, url)[0] for _ in range(3)]
        label = f"`{url}`" + (" (five sheets and « Colonnes »)" if entity == "xlsx" else "")
        lines.append(f"| {label} | {bc.ms(first)} | {bc.spread(after)} | {bc.spread(again)} | {bc.kib(size)} |")
        if entity == "xlsx":
            checks.append(bc.budget("XLSX, whole country, again (kept workbook)", statistics.median(again),
                                    XLSX_BUDGET_MS, bc.ms))
            checks.append(bc.budget("XLSX, whole country, first download after one plan's save",
                                    statistics.median(after), XLSX_BUDGET_MS, bc.ms))
        else:
            checks.append(bc.budget(f"CSV {entity}, whole country, after one plan's save", statistics.median(after),
                                    CSV_BUDGET_MS, bc.ms))

    for url in MAP_URLS:  # warm: the caches hold the current state
        _get(client, url)
    saves: list[float] = []
    after: dict[str, list[float]] = {u: [] for u in MAP_URLS}
    for i, action_id in enumerate(action_ids[:max(args.rounds, 1)]):
        for url in MAP_URLS:
            saves.append(_touch_one_plan(bench.app, action_id, i))
            after[url].append(_get(client, url)[0])
    lines += ["", f"| first request after one plan's save ({len(after[MAP_URLS[0]])} saves each) | median | "
                  "slowest |", "|---|---:|---:|"]
    for url, times in after.items():
        lines.append(f"| `{url}` | {bc.ms(statistics.median(times))} | {bc.ms(max(times))} |")
        checks.append(bc.budget(f"national map, first `{url}` after a save", statistics.median(times),
                                AFTER_SAVE_BUDGET_MS, bc.ms, naive=f"{bc.ms(naive_ms)} (every plan recomputed)",
                                ratio=bc.ratio(statistics.median(times), naive_ms)))
    lines.append(f"| the save itself (an action's cost changed, its plan's summary refreshed, commit) | "
                 f"{bc.ms(statistics.median(saves))} | {bc.ms(max(saves))} |")
    intro = f"""`scripts/bench_desk.py`, on the benchmark database, with the Flask test client logged in as the
admin (every plan readable), in one process. Cold = the first request of the process; warm = median (min–max) of
{runs} later requests. The dashboard, its exports, the work queue and the territory totals read the plan
summaries (`plans/planning/summary.py`, one row per plan, written in each save's transaction); the national map
reloads them after a save (`plans.maps.national.national_base`) instead of recomputing every plan. Budgets
(issue 15): dashboard ≤ 300 ms warm, any CSV ≤ 1 s, the whole-country XLSX ≤ 3 s, territory totals ≤ 300 ms, the
first national map request after a save ≤ 300 ms."""
    return bench.report(title_for(bench.db.url), intro, lines, checks)


def _touch_one_plan(app, action_id: int, i: int) -> float:
    """A planner's save: one action's unit cost changed and committed (its plan's summary counts the change).
    Returns the save's time in ms (the change and the commit)."""
    from app.extensions import db
    from plans.planning.models import Action

    with app.app_context():
        action = db.session.get(Action, action_id)
        t = time.perf_counter()
        action.unit_cost = (action.unit_cost or 0) + 500 * (i + 1)
        db.session.commit()
        elapsed = (time.perf_counter() - t) * 1000
        db.session.remove()
    return elapsed


def _options(ap) -> None:
    ap.add_argument("--rounds", type=int, default=5, help="saves before each timed national map request")


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv, options=_options, runs=10)


if __name__ == "__main__":
    sys.exit(main())
