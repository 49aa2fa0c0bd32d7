"""Benchmark of the national map (docs/BENCHMARKS.md, "Carte nationale").

    .venv/bin/python scripts/bench_national_map.py [--db FILE] [--write] [--runs 10]

On the benchmark database (scripts/bench_common.py: created unless --db names one), with the Flask test client
logged in as an admin, measures: the bytes of a first load (page + its JS/CSS + communes GeoJSON + indicators +
actions), plain and gzip, and the server time of each request cold (first request after the caches are
emptied) and warm (median of --runs); then the naive baseline, a folium.GeoJson of the full-resolution
geodata/mali_communes.geojson rendered to HTML. Budgets: first load ≤ 450 KiB on the wire (issue 15; issue 4 said
600 KiB), each warm request ≤ 200 ms (issue 4).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

TITLE = "Carte nationale"
URLS = ["/carte-nationale", "/api/communes.geojson", "/api/carte-nationale/indicateurs.json",
        "/api/carte-nationale/actions.json"]
FIRST_LOAD_BUDGET = 450 * 1024
WARM_BUDGET_MS = 200.0


def naive_national_html() -> str:
    """The naive map: folium.GeoJson of the full-resolution communes file, embedded in the HTML folium writes."""
    import folium

    from plans.maps.offline import offline_map, render_page

    m = offline_map(zoom_start=5)
    folium.GeoJson(str(bc.ROOT / "geodata" / "mali_communes.geojson"), name="communes").add_to(m)
    return render_page(m)


def run(args) -> bc.Report:
    bench = bc.start(args)
    contents, runs = bench.contents, bench.runs

    from plans.maps import national as nm

    client = bench.client()

    def timed(u, gzip_ok):
        headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
        t = time.perf_counter()
        r = client.get(u, headers=headers)
        dt = (time.perf_counter() - t) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"GET {u}: HTTP {r.status_code}")
        return len(r.data), dt

    nm.clear_caches()
    rows = []
    for u in URLS:
        _, cold = timed(u, True)
        plain, _ = timed(u, False)
        gz_size, _ = timed(u, True)
        warm = statistics.median(timed(u, True)[1] for _ in range(runs))
        rows.append((u, plain, gz_size, cold, warm))
    page = client.get(URLS[0]).get_data(as_text=True)
    assets = bc.static_links(page)
    if not assets:
        raise RuntimeError("the national map page links no script: cannot count its static files")
    asset_bytes = sum(len(bc.fetch_bytes(client, a)) for a in assets)
    asset_gz = sum(len(bc.fetch_bytes(client, a, gzip=True)) for a in assets)

    naive_times, naive_html = bc.repeat(naive_national_html, max(3, runs // 2))
    naive_bytes = naive_html.encode()
    naive_plain, naive_gz = len(naive_bytes), bc.gz(naive_bytes)

    total_plain = sum(r[1] for r in rows) + asset_bytes
    total_gz = sum(r[2] for r in rows) + asset_gz
    total_cold = sum(r[3] for r in rows)
    total_warm = sum(r[4] for r in rows)
    slowest = max(rows, key=lambda r: r[4])
    naive_ms = statistics.median(naive_times)

    lines = [
        f"{contents.actions} actions in {contents.plans} plans, {contents.communes_with_plan} of "
        f"{contents.communes} communes with a plan.",
        "",
        f"| request | plain | gzip | server cold | server warm (median of {runs}) |",
        "|---|---:|---:|---:|---:|",
    ]
    for u, plain, gz_size, cold, warm in rows:
        lines.append(f"| `{u}` | {bc.kib(plain)} | {bc.kib(gz_size)} | {bc.ms(cold)} | {bc.ms(warm)} |")
    lines += [
        f"| static JS + CSS linked by the page ({len(assets)} files; `app/static_gzip.py`) | {bc.kib(asset_bytes)} "
        f"| {bc.kib(asset_gz)} | | |",
        f"| **first load, total** | **{bc.kib(total_plain)}** | **{bc.kib(total_gz)}** | {bc.ms(total_cold)} | "
        f"{bc.ms(total_warm)} |",
        f"| naive `folium.GeoJson(mali_communes.geojson)` → HTML (communes only, no data; gzip if a proxy "
        f"compressed it) | {bc.kib(naive_plain)} | {bc.kib(naive_gz)} | | {bc.spread(naive_times)} (render) |",
        "",
        f"Ratios to the naive map: bytes of a first load {bc.ratio(total_gz, naive_gz)} (gzip / gzip), "
        f"{bc.ratio(total_gz, naive_plain)} (gzip / the plain HTML folium writes); warm server time of the four "
        f"requests {bc.ratio(total_warm, naive_ms)} of the naive render — while carrying every indicator and "
        f"{contents.actions} actions, which the naive map does not.",
    ]
    intro = f"""`scripts/bench_national_map.py`, on the benchmark database (see "Territoire et données de
démonstration"). Measured with the Flask test client logged in as an admin, in one process; "gzip" is the size
sent when the browser sends `Accept-Encoding: gzip` (every browser does): the page and the three JSON documents
are compressed by the app (`app/maps/national.py`, compressed once and cached with the document), and so are the
static scripts and styles (`app/static_gzip.py`, once per file). Cold = the first request after the
caches are emptied (`plans.maps.national.clear_caches()`: the data of every plan is loaded and the communes
layer built); warm = median of {runs} later requests. Naive baseline (issue 4): `folium.GeoJson` of the
full-resolution `geodata/mali_communes.geojson` in a folium map rendered to HTML, timed as a median (min–max)
of {max(3, runs // 2)} renders after a warm-up; it has the communes only, no indicator and no action.
Budgets: first load ≤ 450 KiB on the wire with the vendored files compressed (issue 15; issue 4 said 600 KiB
for 20 000 actions; this run has {contents.actions}), each warm request ≤ 200 ms (issue 4)."""
    checks = [
        bc.budget("national map, first load (gzip)", total_gz, FIRST_LOAD_BUDGET, bc.kib,
                  naive=f"{bc.kib(naive_gz)} gzip, {bc.kib(naive_plain)} plain",
                  ratio=f"{bc.ratio(total_gz, naive_gz)} of the naive gzip"),
        bc.budget(f"national map, slowest warm request (`{slowest[0]}`)", slowest[4], WARM_BUDGET_MS, bc.ms,
                  naive=f"{bc.ms(naive_ms)} render",
                  ratio=f"four requests {bc.ratio(total_warm, naive_ms)} of the naive render"),
        bc.Check("national map, cold (first request after a change, every plan reloaded)", bc.ms(total_cold)),
    ]
    return bench.report(TITLE, intro, lines, checks)


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv, runs=10)


if __name__ == "__main__":
    sys.exit(main())
