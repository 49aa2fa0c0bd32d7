"""Benchmark of the planner's pages and saves (docs/BENCHMARKS.md, "Pages et enregistrements (SQLite)" or
"(PostgreSQL)", after the engine of --db).

    .venv/bin/python scripts/bench_pages.py [--db FILE|URL] [--write] [--runs 15] [--saves 60]

On the benchmark database (scripts/bench_common.py: every commune holds a random plan of 40 actions, and the big
plan holds 150), with the Flask test client (pages read by an admin, saves made by a planner of the big plan's
owner, an account this script adds): the server time of the big plan's overview,
actions list, financing page and map page — one cold request, then the median and the slowest of --runs warm
ones — and the p95 of --saves saves of a section (Identification, its summary changed each time) and of an action
(its expected results changed each time: the action form has no « description » field, and a post of one
changed nothing), each a POST of the whole form as the browser sends it (the form parsed from
the page, with its version for the concurrency check: tests/system/html_forms.py), answered by the redirect of a
save that was accepted (302 or 303); the GET of the form before each save is not timed.
Budgets (issue 12): each page ≤ 150 ms warm (median), each save p95 ≤ 50 ms. Naive baseline: the same page
rendered for the smallest plan of the database (a test case), to show what 150 actions cost.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from tests.system.html_forms import FormFields  # noqa: E402

PAGE_BUDGET_MS = 150.0
SAVE_BUDGET_MS = 50.0
BIG_PLAN_PLANNER = "planificateur-grand-plan@banc.ml"
PAGES = (("vue d'ensemble", ""), ("actions (PIP)", "/actions"), ("financement", "/financement"),
         ("carte", "/carte"))


def title_for(url: str) -> str:
    return f"Pages et enregistrements ({'SQLite' if url.startswith('sqlite') else 'PostgreSQL'})"


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def _form(client, url: str) -> list[tuple[str, str]]:
    r = client.get(url)
    if r.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {r.status_code}")
    parser = FormFields()
    parser.feed(r.get_data(as_text=True))
    fields = parser.forms.get(url, parser.forms.get(""))  # action="" posts to the page itself
    if fields is None:
        raise RuntimeError(f"{url} holds no form posting to itself")
    return fields


def time_saves(client, url: str, field: str, saves: int) -> list[float]:
    """`saves` timed POSTs of the form of `url`, its `field` changed each time; each must be accepted (302)."""
    times = []
    for i in range(saves + 1):  # the first one warms up
        fields = [(k, v) for k, v in _form(client, url) if k != field]
        fields.append((field, f"Texte modifié par le banc de mesure, enregistrement n° {i}."))
        t = time.perf_counter()
        r = client.post(url, data=MultiDict(fields))
        dt = (time.perf_counter() - t) * 1000
        if r.status_code not in (302, 303):
            raise RuntimeError(f"POST {url}: HTTP {r.status_code} (not saved)")
        if i:
            times.append(dt)
    return times


def planner_of(session, plan) -> None:
    """The account that saves: a planner of the big plan's owner (an admin reads every plan but edits none)."""
    from plans.accounts import service as accounts_service
    from plans.accounts.models import Role

    if accounts_service.user_by_email(session, BIG_PLAN_PLANNER) is None:
        accounts_service.create_user(session, email=BIG_PLAN_PLANNER, password=bc.PASSWORD, role=Role.PLANNER,
                                     full_name="Planificateur du grand plan", owners=[plan.owner])
        session.commit()


def run(args) -> bc.Report:
    bench = bc.start(args)
    runs = max(args.runs, 15)

    import sqlalchemy as sa

    from app.extensions import db
    from plans.planning.models import Action, Plan

    pid, n = bench.contents.big_plan_id, bench.contents.big_plan_actions
    small = min(bench.contents.case_ids.values())
    with bench.app.app_context():
        action_id = db.session.scalar(sa.select(sa.func.min(Action.id)).where(Action.plan_id == pid))
        small_actions = db.session.scalar(sa.select(sa.func.count(Action.id)).where(Action.plan_id == small))
        planner_of(db.session, db.session.get(Plan, pid))
        db.session.remove()
    client = bench.client()
    planner = bench.app.test_client()
    bc.login(planner, BIG_PLAN_PLANNER)
    lines = [f"Big plan n° {pid} ({n} actions); naive baseline: plan n° {small} ({small_actions} actions).", "",
             "| page | cold | warm median (min–max) | slowest warm | small plan, warm median |",
             "|---|---:|---:|---:|---:|"]
    checks = []
    for label, suffix in PAGES:
        big = bc.time_page(client, f"/plans/{pid}{suffix}", runs)
        little = bc.time_page(client, f"/plans/{small}{suffix}", runs)
        warm, base = statistics.median(big.warm), statistics.median(little.warm)
        lines.append(f"| {label} `/plans/<id>{suffix}` | {bc.ms(big.cold)} | {bc.spread(big.warm)} | "
                     f"{bc.ms(max(big.warm))} | {bc.ms(base)} |")
        checks.append(bc.budget(f"{label}, {n} actions, server time warm", warm, PAGE_BUDGET_MS, bc.ms,
                                naive=f"{bc.ms(base)} for {small_actions} actions",
                                ratio=f"{bc.ratio(warm, base)} × the small plan"))
    lines += ["", "| save | saves | median | p95 | slowest |", "|---|---:|---:|---:|---:|"]
    for label, url, field in (("section Identification", f"/plans/{pid}/identification", "summary"),
                              ("action", f"/plans/{pid}/actions/{action_id}", "expected_results")):
        times = time_saves(planner, url, field, args.saves)
        shown = url.replace(f"/{pid}/", "/<id>/").replace(f"/{action_id}", "/<action>")
        lines.append(f"| {label} (`{shown}`) | {len(times)} | "
                     f"{bc.ms(statistics.median(times))} | {bc.ms(p95(times))} | {bc.ms(max(times))} |")
        checks.append(bc.budget(f"save of the {label}, p95", p95(times), SAVE_BUDGET_MS, bc.ms))
    intro = f"""`scripts/bench_pages.py`, on the benchmark database, with the Flask test client (pages read by an
admin, saves made by a planner of the plan's owner): server time of the big plan's pages (one cold request,
then {runs} warm ones) and of {args.saves} saves of a section and of an action (each a POST of the whole form as
the browser posts it, its version included, answered by the redirect of an accepted save; the GET of the form
before each is not timed). The time includes loading the
plan, its figures (`plans.planning.finance`, `plans.planning.indicators`), the section checklist
(`plans.planning.completeness`), the history entry of each save and the commit. Budgets (issue 12): each page
≤ 150 ms warm, each save p95 ≤ 50 ms. Baseline: the same pages of the smallest test case."""
    return bc.Report(title_for(bench.db.url), f"{intro}\n\n" + "\n".join(lines) + "\n\n"
                     + bc.measured_under(bench.db.url, bench.load_start), checks)


def _options(ap) -> None:
    ap.add_argument("--saves", type=int, default=60, help="timed saves of the section and of the action")


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv, options=_options, runs=15)


if __name__ == "__main__":
    sys.exit(main())
