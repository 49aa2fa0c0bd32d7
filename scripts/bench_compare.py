"""Benchmark of the comparison of plans (docs/BENCHMARKS.md, "Comparaison de plans").

    .venv/bin/python scripts/bench_compare.py [--db FILE] [--write] [--runs 7]

On the benchmark database (scripts/bench_common.py), with the Flask test client logged in as an admin, measures
/plans/comparer with 4 plans (the big plan and three random plans): bytes as sent and gzip, server time cold
(first request of the process) and warm (median of --runs). Naive baseline: the four plans' naive folium maps of
scripts/bench_plan_map.py (markers, popups and tooltips one by one, full-resolution communes), which is what
comparing would cost if each plan's map were a separate naive page. The issues set no budget for this page.
"""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402
from bench_plan_map import naive_entries, naive_plan_map_html  # noqa: E402

TITLE = "Comparaison de plans"
PLANS = 4


def _compared_ids(session, big_plan_id: int, case_ids) -> list[int]:
    import sqlalchemy as sa

    from plans.planning.models import Plan

    others = list(session.scalars(sa.select(Plan.id).where(Plan.id != big_plan_id, Plan.id.not_in(
        list(case_ids.values()))).order_by(Plan.id).limit(PLANS - 1)))
    if len(others) < PLANS - 1:
        raise RuntimeError(f"the benchmark database has fewer than {PLANS} random plans to compare")
    return [big_plan_id] + others


def run(args) -> bc.Report:
    bench = bc.start(args)
    app, runs = bench.app, bench.runs

    from app.extensions import db

    with app.app_context():
        ids = _compared_ids(db.session, bench.contents.big_plan_id, bench.contents.case_ids)
        db.session.remove()
    url = "/plans/comparer?" + "&".join(f"plans={i}" for i in ids)
    measured = bc.time_page(bench.client(), url, runs)
    sent, page = measured.sent, measured.page
    warm = statistics.median(measured.warm)

    with app.app_context():
        loaded = [naive_entries(db.session, i) for i in ids]
        actions = [len(entries) for _, entries in loaded]

        def naive():
            return [naive_plan_map_html(plan, entries).encode() for plan, entries in loaded]

        naive_times, pages = bc.repeat(naive, max(3, runs // 2))
        db.session.remove()
    naive_ms = statistics.median(naive_times)
    naive_plain = sum(len(p) for p in pages)
    naive_gz = sum(bc.gz(p) for p in pages)
    state = "gzip by the app" if measured.compressed_by_app else "plain: the app does not compress it"
    lines = [
        f"Plans compared: {', '.join(f'n° {i} ({n} actions)' for i, n in zip(ids, actions))}.",
        "",
        "| | plain | gzip | server time |",
        "|---|---:|---:|---:|",
        f"| `/plans/comparer` with {PLANS} plans (4 maps + indicator table; sent {state}) | {bc.kib(len(page))} | "
        f"{bc.kib(bc.gz(page))} | cold {bc.ms(measured.cold)}, warm {bc.spread(measured.warm)} |",
        f"| naive: the {PLANS} naive folium maps (as in \"Carte d'un plan\") | {bc.kib(naive_plain)} | "
        f"{bc.kib(naive_gz)} | {bc.spread(naive_times)} (render of the four) |",
        "",
        f"Ratios to the naive maps: bytes {bc.ratio(len(sent), naive_plain)} (as sent / naive plain), "
        f"{bc.ratio(bc.gz(page), naive_gz)} (gzip / gzip); server time warm {bc.ratio(warm, naive_ms)} of the naive "
        "renders alone (our page also loads the four plans, computes their finances and the indicator table).",
    ]
    intro = f"""`scripts/bench_compare.py`, on the benchmark database: `/plans/comparer` with the big plan and three
random plans, requested with the Flask test client logged in as an admin (`Accept-Encoding: gzip`). Cold = the
first request of the process; warm = median (min–max) of {runs} later requests (loading the four plans, their
finances, four folium maps and the indicator table normalised per inhabitant and per migrant household).
"gzip" is what a compressing reverse proxy would send. Naive baseline: for each of the four plans the naive
folium map of "Carte d'un plan" (the owner's full-resolution commune, one CircleMarker + Popup + Tooltip per
action) rendered to HTML, the plans already loaded; median (min–max) of {max(3, runs // 2)} renders of the four.
No budget in the issues."""
    checks = [bc.Check(f"comparison of {PLANS} plans, page ({state.split(':')[0]})", bc.kib(len(sent)),
                       naive=f"{bc.kib(naive_plain)} for 4 naive maps",
                       ratio=f"{bc.ratio(len(sent), naive_plain)} of the naive maps"),
              bc.Check(f"comparison of {PLANS} plans, server time warm", bc.ms(warm),
                       naive=f"{bc.ms(naive_ms)} render of 4 naive maps",
                       ratio=f"{bc.ratio(warm, naive_ms)} of the naive renders")]
    return bench.report(TITLE, intro, lines, checks)


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
