"""Benchmark of the execution follow-up (docs/BENCHMARKS.md, "Exécution (suivi et bilan annuel)"; issue 16).

    .venv/bin/python scripts/bench_execution.py [--db FILE|URL] [--write] [--runs 7]

On the benchmark database (scripts/bench_common.py: created unless --db names one), the big plan (150 actions) is
adopted for the time of the measure and a year of execution is recorded on every one of its actions through
plans/execution/service.py (`save`, the rules and history of a planner's form: states in turn — réalisé and
working, en cours, prévu, suspendu, abandonné —, progress, dates, contractor, and on every funding line half its
amount received and a quarter paid), with every indicator measured (plans/execution/measures.py). Then, with the
Flask test client logged in as the admin (a reader of every plan):
(a) the « Exécution » page of that year (`/plans/<id>/execution?annee=Y`): one cold request, the median (min–max)
    and the slowest of --runs warm ones;
(b) the annual review (`/plans/<id>/execution/<Y>/bilan.docx`), same;
and, to see where the time goes, in-process on an emptied session: (c) the year's figures alone
(`figures.plan_execution`), (d) the review's context alone (`execution_report.build_context`), (e) the naive
baseline of the review: a bare `DocxTemplate(path).render(context, autoescape=True)` + save of the same model with
the context already built. Budgets borrowed from the issues that set them for pages and Word files: (a) ≤ 150 ms warm
(issue 12, a planner's page), (b) ≤ 1.5 s (issue 5, a Word export). No photo is attached (the review's photos are
the stored thumbnails' originals, bounded by plans/core/limits.py).
When it ends, even on an error, the plan is put back as it was: its execution rows deleted, its status restored.
"""
from __future__ import annotations

import io
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

TITLE = "Exécution (suivi et bilan annuel)"
PAGE_BUDGET_MS = 150.0  # issue 12
REPORT_BUDGET_MS = 1500.0  # issue 5
STATES = (("realise", 100, "fonctionnel"), ("en_cours", 55, None), ("prevu", 0, None), ("suspendu", 30, None),
          ("abandonne", 10, None))


def _record(action, year: int, n: int, line_amounts: list[int]) -> dict:
    status, progress, functioning = STATES[n % len(STATES)]
    return {"status": status, "progress": str(progress), "start_date": f"{year}-03-01",
            "end_date": f"{year}-11-30" if status in ("realise", "abandonne") else "",
            "contractor": f"Entreprise du banc n° {n % 17}", "functioning": functioning or "",
            "observations": f"Exécution {year} enregistrée par le banc de mesure (action {n}).",
            "funding": [{"mobilised": amount // 2, "paid": amount // 4} for amount in line_amounts]}


def _clear(session, plan_id: int) -> None:
    import sqlalchemy as sa

    from plans.execution.evidence import ExecutionEvidence
    from plans.execution.models import ExecutionChange, ExecutionRecord, IndicatorMeasure

    for model in (ExecutionChange, ExecutionEvidence, IndicatorMeasure, ExecutionRecord):
        session.execute(sa.delete(model).where(model.plan_id == plan_id))


def record_year(session, plan_id: int) -> tuple[int, int, int, float, str]:
    """Adopts the plan and records its first year on every action; returns (year, records, measures, seconds of the
    saves, the status to put back)."""
    from plans.execution import measures, service
    from plans.planning import finance
    from plans.planning.models import Plan, PlanStatus
    from plans.planning.sectiondata import suivi

    plan = session.get(Plan, plan_id)
    former = plan.status.value
    _clear(session, plan_id)  # a run stopped before its clean-up left some
    plan.status = PlanStatus.ADOPTE
    session.commit()
    year = plan.period_start
    years = list(plan.years)
    t = time.perf_counter()
    for n, action in enumerate(sorted(plan.actions, key=lambda a: a.position or 0)):
        amounts = finance.action_figures(action, years).line_amounts
        service.save(session, plan, action, year, _record(action, year, n, amounts), 0, None)
    measured = 0
    for indicator in plan.indicators:
        groups = measures.groups(indicator)
        value = "Oui" if suivi.is_yes_no(indicator.unit) else "12"
        data = {"value": "" if groups else value, "groups": {key: "6" for key, _ in groups},
                "source": "Enquête du banc de mesure", "measured_on": min(date(year, 12, 31), date.today())}
        measures.save(session, plan, indicator, year, data, 0, None)
        measured += 1
    session.commit()
    return year, len(plan.actions), measured, time.perf_counter() - t, former


def put_back(session, plan_id: int, status: str) -> None:
    from plans.planning.models import Plan, PlanStatus

    session.rollback()
    _clear(session, plan_id)
    plan = session.get(Plan, plan_id)
    plan.status = PlanStatus(status)
    session.commit()


def run(args) -> bc.Report:
    bench = bc.start(args)
    runs = bench.runs

    from docxtpl import DocxTemplate

    from app.extensions import db
    from plans.documents import execution_report
    from plans.execution import figures, service
    from plans.planning import finance
    from plans.planning.models import Plan

    pid, n = bench.contents.big_plan_id, bench.contents.big_plan_actions
    # Turns of the expensive work off, as in the tests: this client asks for the same review faster than anyone.
    app = bc.bench_app(bench.db.url, HEAVY_TURNS=False)
    with app.app_context():
        year, records, measured, saving, former = record_year(db.session, pid)
        db.session.remove()
    try:
        client = app.test_client()
        bc.login(client)
        page = bc.time_page(client, f"/plans/{pid}/execution?annee={year}", runs)
        overview = bc.time_page(client, f"/plans/{pid}", runs)
        report = bc.time_page(client, f"/plans/{pid}/execution/{year}/bilan.docx", runs)
        with app.app_context():
            session = db.session

            def loaded():
                session.expire_all()
                return session.get(Plan, pid, options=finance.load_options(), populate_existing=True)

            c, _ = bc.repeat(lambda p: figures.plan_execution(p, service.records(session, p), year), runs,
                             before=loaded)
            d, context = bc.repeat(lambda p: execution_report.build_context(p, session, year), runs, before=loaded)

            def naive(_p):
                tpl = DocxTemplate(str(execution_report.SHIPPED_TEMPLATE))
                tpl.render(context, autoescape=True)
                out = io.BytesIO()
                tpl.save(out)
                return out.getvalue()

            e, _ = bc.repeat(naive, runs, before=loaded)
            session.remove()
    finally:
        with app.app_context():
            put_back(db.session, pid, former)
            db.session.remove()

    page_warm, report_warm = statistics.median(page.warm), statistics.median(report.warm)
    naive_ms = statistics.median(e)
    lines = [
        f"Big plan n° {pid} ({n} actions), adopted for the measure; {year} recorded on its {records} actions and "
        f"{measured} indicators measured, through `plans.execution.service.save` and `measures.save` in "
        f"{saving:.1f} s ({bc.ms(saving * 1000 / max(records + measured, 1))} per save).",
        "",
        "| request (server time, admin) | cold | warm median (min–max) | slowest warm | size |",
        "|---|---:|---:|---:|---:|",
        f"| (a) « Exécution » page `/plans/<id>/execution?annee={year}` | {bc.ms(page.cold)} | "
        f"{bc.spread(page.warm)} | {bc.ms(max(page.warm))} | {bc.kib(len(page.page))} |",
        f"| the plan's overview `/plans/<id>`, for comparison | {bc.ms(overview.cold)} | {bc.spread(overview.warm)} "
        f"| {bc.ms(max(overview.warm))} | {bc.kib(len(overview.page))} |",
        f"| (b) annual review `/plans/<id>/execution/{year}/bilan.docx` | {bc.ms(report.cold)} | "
        f"{bc.spread(report.warm)} | {bc.ms(max(report.warm))} | {bc.kib(len(report.page))} |",
        "",
        "| in-process, emptied session | median (min–max) |",
        "|---|---:|",
        f"| (c) the year's figures alone (`figures.plan_execution`) | {bc.spread(c)} |",
        f"| (d) the review's context alone (`execution_report.build_context`) | {bc.spread(d)} |",
        f"| (e) naive baseline: bare `DocxTemplate.render` + save, context built | {bc.spread(e)} |",
        f"| **(b) / (e)** | **{report_warm / naive_ms:.2f}** |",
    ]
    intro = f"""`scripts/bench_execution.py` (issue 16), on the benchmark database: the big plan adopted for the time
of the measure, its first year recorded on every action through the execution's own service (so with its checks,
history and journal), every indicator measured; then the « Exécution » page and the annual review (bilan .docx)
requested with the Flask test client as the admin — one cold request, then {runs} warm ones (the pool's turns off,
`HEAVY_TURNS=False`, as in the tests) — and the parts of the review in-process. The page's time includes loading
the plan with its figures (`plans.planning.finance`), every record, the year's rates by sector, axis and source
(`plans.execution.figures`) and the indicators against their targets; the review's adds the docxtpl render in
template_safety's sandbox and the table layout. Budgets borrowed from issue 12 (a page ≤ 150 ms warm) and issue 5
(a Word export ≤ 1.5 s); the naive baseline of the review is a bare docxtpl render of the same model with the same
context. The plan is put back as it was afterwards (execution deleted, status restored)."""
    checks = [bc.budget(f"« Exécution » page, {n} actions with a year recorded, warm", page_warm, PAGE_BUDGET_MS,
                        bc.ms, naive=f"{bc.ms(statistics.median(overview.warm))} the plan's overview",
                        ratio=f"{bc.ratio(page_warm, statistics.median(overview.warm))} × the overview"),
              bc.budget(f"annual review (bilan .docx), {n} actions, warm", report_warm, REPORT_BUDGET_MS, bc.ms,
                        naive=f"{bc.ms(naive_ms)} bare docxtpl render",
                        ratio=f"{report_warm / naive_ms:.2f} × the bare render")]
    return bench.report(TITLE, intro, lines, checks)


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
