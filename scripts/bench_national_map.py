"""Benchmark of the national map (docs/BENCHMARKS.md, "Carte nationale").

    .venv/bin/python scripts/bench_national_map.py [--plans 701] [--actions 29] [--db /tmp/bench.sqlite3]

Seeds a temporary SQLite database (migrated, territory loaded, demo test cases + `plans.demo.seed_random_plans`),
then with the Flask test client as an admin measures: the bytes of a first load (page + JS/CSS + communes GeoJSON
+ indicators + actions), plain and gzip, and the server time of each request cold and warm (median of 10); and
compares with a naive folium.GeoJson of geodata/mali_communes.geojson (full resolution) rendered to HTML.
Prints a Markdown table. An existing --db is reused (seeding 20 000 actions takes minutes).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", type=int, default=701)
    ap.add_argument("--actions", type=int, default=29)
    ap.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "pdlm_bench_national.sqlite3"))
    args = ap.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from plans import accounts_service, demo
    from plans.accounts import Role
    from plans.maps import national as nm
    from plans.plan import Action
    from plans.territory_loader import load_geodata

    url = f"sqlite:///{args.db}"
    fresh = not os.path.exists(args.db)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "TESTING": True,
                      "SECRET_KEY": "bench", "DEMO_DATA": False, "SERVER_NAME": None})
    with app.app_context():
        if fresh:
            t = time.perf_counter()
            upgrade()
            load_geodata(db.session, app.config["GEODATA_DIR"])
            accounts_service.create_user(db.session, email="bench@dgct.ml", password="Kx7-rapide-Mesure-42",
                                         role=Role.ADMIN, full_name="Bench")
            demo.seed_test_cases(db.session)
            db.session.commit()
            demo.seed_random_plans(db.session, args.plans, actions=args.actions, seed=7)
            print(f"seeded in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        n_actions = db.session.query(Action).count()
        db.session.remove()

    client = app.test_client()
    client.post("/compte/connexion", data={"email": "bench@dgct.ml", "password": "Kx7-rapide-Mesure-42"})
    urls = ["/carte-nationale", "/api/communes.geojson", "/api/carte-nationale/indicateurs.json",
            "/api/carte-nationale/actions.json"]
    assets = ["/static/js/national_map.js", "/static/vendor/leaflet/leaflet.js",
              "/static/vendor/markercluster/leaflet.markercluster.js", "/static/vendor/leaflet/leaflet.css",
              "/static/vendor/markercluster/MarkerCluster.css",
              "/static/vendor/markercluster/MarkerCluster.Default.css", "/static/css/app.css", "/static/css/maps.css"]

    def timed(u, gz):
        headers = {"Accept-Encoding": "gzip"} if gz else {}
        t = time.perf_counter()
        r = client.get(u, headers=headers)
        dt = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, (u, r.status_code)
        return len(r.data), dt

    nm.clear_caches()
    rows = []
    for u in urls:
        _, cold = timed(u, True)
        plain, _ = timed(u, False)
        gz_size, _ = timed(u, True)
        warm = statistics.median(timed(u, True)[1] for _ in range(10))
        rows.append((u, plain, gz_size, cold, warm))
    asset_bytes = 0
    for a in assets:
        r = client.get(a)
        asset_bytes += len(r.data)
        r.close()

    # The naive variant: folium.GeoJson of the full-resolution communes, embedded in the HTML.
    import folium

    from plans.maps.offline import offline_map, render_page
    t = time.perf_counter()
    m = offline_map(zoom_start=5)
    folium.GeoJson(str(ROOT / "geodata" / "mali_communes.geojson"), name="communes").add_to(m)
    naive_html = render_page(m)
    naive_ms = (time.perf_counter() - t) * 1000

    kib = lambda n: f"{n / 1024:,.0f} KiB".replace(",", " ")  # noqa: E731
    print(f"Machine: {os.cpu_count()} CPU (nproc), RAM {_ram()}, Python {platform.python_version()}, "
          f"{platform.system()} {platform.machine()}; {n_actions} actions, SQLite.\n")
    print("| request | plain | gzip | server cold | server warm (median of 10) |")
    print("|---|---:|---:|---:|---:|")
    for u, plain, gz_size, cold, warm in rows:
        print(f"| `{u}` | {kib(plain)} | {kib(gz_size)} | {cold:,.0f} ms | {warm:,.1f} ms |")
    print(f"| static JS + CSS (Leaflet, markercluster, national_map.js, app/maps CSS; not compressed by Flask) | "
          f"{kib(asset_bytes)} | {kib(asset_bytes)} | | |")
    total_plain = sum(r[1] for r in rows) + asset_bytes
    total_gz = sum(r[2] for r in rows) + asset_bytes
    print(f"| **first load, total** | **{kib(total_plain)}** | **{kib(total_gz)}** | "
          f"{sum(r[3] for r in rows):,.0f} ms | {sum(r[4] for r in rows):,.1f} ms |")
    print(f"| naive `folium.GeoJson(mali_communes.geojson)` → HTML (communes only, no data) | "
          f"{kib(len(naive_html.encode()))} | | {naive_ms:,.0f} ms (render) | |")


def _ram() -> str:
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        return f"{kb / 1024 / 1024:.0f} GiB"
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
