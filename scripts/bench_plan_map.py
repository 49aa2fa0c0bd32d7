"""Benchmark of a plan's map page (docs/BENCHMARKS.md, "Carte d'un plan").

    .venv/bin/python scripts/bench_plan_map.py [--db FILE] [--write] [--runs 7]

On the benchmark database (scripts/bench_common.py), with the Flask test client logged in as an admin, measures
/plans/<id>/carte of the big plan (150 actions): bytes as sent and gzip (what a compressing reverse proxy would
send), the static files it links, the server time cold (first request of the process) and warm (median of
--runs). Naive baseline: a folium map of the same plan with one folium.CircleMarker + Popup + Tooltip per action
and folium.GeoJson of the owner's full-resolution commune (geodata/mali_communes.geojson), rendered to HTML.
Budget (issue 4): the page ≤ 150 KiB.
"""
from __future__ import annotations

import html
import json
import statistics
import sys
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

TITLE = "Carte d'un plan"
PAGE_BUDGET = 150 * 1024


@lru_cache(maxsize=1)
def _full_resolution_communes() -> dict:
    return json.loads((bc.ROOT / "geodata" / "mali_communes.geojson").read_text(encoding="utf-8"))


def _owner_codes(owner) -> set[str]:
    if owner.is_grouping:
        return {u.code for u in owner.member_units}
    return {owner.unit.code} if owner.unit is not None else set()


def naive_plan_map_html(plan, entries, *, every_commune: bool = False) -> str:
    """The naive plan map: folium objects one by one — the owner's communes at full resolution (every commune of
    Mali with every_commune), then per located action a CircleMarker with its Popup (title, cost, funding, status)
    and Tooltip — rendered by folium to one HTML page."""
    import folium

    from plans.core.formatting import fcfa
    from plans.maps.offline import offline_map, render_page

    communes = _full_resolution_communes()
    codes = _owner_codes(plan.owner)
    features = communes["features"] if every_commune else [
        f for f in communes["features"] if f["properties"]["commune_pcode"] in codes]
    m = offline_map(zoom_start=9)
    folium.GeoJson({"type": "FeatureCollection", "features": features}, name="territoire").add_to(m)
    for e in entries:
        if not e.placed:
            continue
        funding = "".join(f"<li>{html.escape(f.label)} ({html.escape(f.status)}) : {fcfa(f.amount)}</li>"
                          for f in e.funding)
        popup = (f"<b>{html.escape(e.title)}</b><br>Coût : {fcfa(e.total)}<br>Statut : {html.escape(e.status_label)}"
                 f"<ul>{funding}</ul>")
        folium.CircleMarker([e.lat, e.lon], radius=7, color=e.colour, fill=True, fill_color=e.colour,
                            popup=folium.Popup(popup, max_width=320), tooltip=folium.Tooltip(html.escape(e.title))
                            ).add_to(m)
    return render_page(m)


def naive_entries(session, plan_id: int):
    """The plan and its map entries, loaded as the naive page would (everything from plans.planning.finance)."""
    from plans.maps.plan_map import map_actions
    from plans.planning import finance
    from plans.planning.models import Plan

    session.expire_all()
    plan = session.get(Plan, plan_id, options=finance.load_options())
    return plan, map_actions(plan, finance.plan_finance(plan))


def run(args) -> bc.Report:
    bench = bc.start(args)
    app, runs = bench.app, bench.runs

    from app.extensions import db

    pid, n = bench.contents.big_plan_id, bench.contents.big_plan_actions
    url = f"/plans/{pid}/carte"
    client = bench.client()
    measured = bc.time_page(client, url, runs)
    sent, page_bytes = measured.sent, measured.page
    page = page_bytes.decode()
    warm = statistics.median(measured.warm)
    plain, gz_size = len(page_bytes), bc.gz(page_bytes)
    as_sent = len(sent)
    assets = bc.static_links(page)
    if not assets:
        raise RuntimeError("the plan map page links no script: cannot count its static files")
    asset_bytes = sum(len(bc.fetch_bytes(client, a)) for a in assets)
    asset_gz = sum(len(bc.fetch_bytes(client, a, gzip=True)) for a in assets)

    with app.app_context():
        plan, entries = naive_entries(db.session, pid)
        markers = sum(1 for e in entries if e.placed)
        title = plan.title
        commune_times, naive_html = bc.repeat(lambda: naive_plan_map_html(plan, entries), runs)
        country_times, country_html = bc.repeat(lambda: naive_plan_map_html(plan, entries, every_commune=True),
                                                max(3, runs // 2))
        db.session.remove()
    naive = naive_html.encode()
    country = country_html.encode()
    naive_ms = statistics.median(commune_times)
    page_state = "gzip by the app" if measured.compressed_by_app else "plain: the app does not compress it"
    lines = [
        f"Plan n° {pid} « {title} »: {n} actions, {markers} placed on the map.",
        "",
        "| | plain | gzip | server time |",
        "|---|---:|---:|---:|",
        f"| `{url}` (map + table twin; sent {page_state}) | {bc.kib(plain)} | {bc.kib(gz_size)} | cold "
        f"{bc.ms(measured.cold)}, warm {bc.spread(measured.warm)} |",
        f"| static JS + CSS linked by the page ({len(assets)} files, shared by every map and cached) | "
        f"{bc.kib(asset_bytes)} | {bc.kib(asset_gz)} | |",
        f"| naive folium map: {markers} × (CircleMarker + Popup + Tooltip) + the owner's full-resolution commune"
        f" | {bc.kib(len(naive))} | {bc.kib(bc.gz(naive))} | {bc.spread(commune_times)} (render) |",
        f"| naive, with every commune of Mali at full resolution as the base | {bc.kib(len(country))} | "
        f"{bc.kib(bc.gz(country))} | {bc.spread(country_times)} (render) |",
        "",
        f"Ratios to the naive map (owner's commune): bytes {bc.ratio(as_sent, len(naive))} (as sent / naive plain), "
        f"{bc.ratio(gz_size, bc.gz(naive))} (gzip / gzip); server time warm {bc.ratio(warm, naive_ms)} of the "
        "naive render alone (our page also loads the plan, computes its finances and renders the table twin).",
    ]
    intro = f"""`scripts/bench_plan_map.py`, on the benchmark database: the big plan's map page, requested with the
Flask test client logged in as an admin (`Accept-Encoding: gzip`). Cold = the first request of the process;
warm = median (min–max) of {runs} later requests; the server time includes loading the plan, its finances
(`plans.planning.finance`), the folium map (`plans.maps.plan_map`) and the page with its table twin. "gzip" is what a
compressing reverse proxy would send. Naive baseline (issue 4: folium with the full-resolution communes): a folium
map of the same plan built object by object — `folium.GeoJson` of the owner's commune taken from the
full-resolution `geodata/mali_communes.geojson`, and for each placed action a `folium.CircleMarker` with a
`folium.Popup` (title, cost, funding lines, status) and a `folium.Tooltip` — rendered to HTML, median (min–max)
of {runs} renders after a warm-up, the plan already loaded. Budget (issue 4): the page ≤ 150 KiB as sent."""
    checks = [
        bc.budget(f"plan map page, {n} actions (as sent)", as_sent, PAGE_BUDGET, bc.kib,
                  naive=f"{bc.kib(len(naive))} plain", ratio=f"{bc.ratio(as_sent, len(naive))} of the naive page"),
        bc.Check(f"plan map page, {n} actions, server time warm", bc.ms(warm), naive=f"{bc.ms(naive_ms)} render",
                 ratio=f"{bc.ratio(warm, naive_ms)} of the naive render"),
    ]
    return bench.report(TITLE, intro, lines, checks)


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
