"""Benchmark of the Word export (docs/BENCHMARKS.md, "Export Word").

    .venv/bin/python scripts/bench_docx.py [--actions 150] [--runs 7] [--db /tmp/bench.sqlite3] [--write]

Seeds a temporary SQLite database (migrated with Alembic, territory loaded, the three demo test cases +
one `plans.demo.seed_random_plans` plan of --actions actions), then measures on the big plan, each a median and
range of --runs runs (the session is emptied before each run, as a request would start):
(a) the full export, map included (`plans.export_docx.render_docx`);
(b) the naive baseline: a bare `DocxTemplate(path).render(ctx, autoescape=True)` + save to BytesIO with the same,
    already built context (the map PNG already drawn);
(c) the static map PNG alone (`plans.export_docx.map_png`);
(d) the context alone, without the map (`build_context(..., with_map=False)`);
and the ratio (a)/(b). For the three test cases and the big plan: export time (median), .docx size and page count
(LibreOffice → PDF, then pdfinfo). Prints a Markdown table; with --write, replaces (or appends) the "Export Word"
section of docs/BENCHMARKS.md, the other sections untouched. An existing --db is reused.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCHMARKS = ROOT / "docs" / "BENCHMARKS.md"
SECTION = "## Export Word"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--actions", type=int, default=150)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--db", default=None, help="SQLite file to create or reuse (default: a fresh temporary one)")
    ap.add_argument("--write", action="store_true", help="write the section into docs/BENCHMARKS.md")
    args = ap.parse_args()
    runs = max(5, args.runs)

    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage
    from flask_migrate import upgrade

    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from plans import demo, export_docx as ex
    from plans import demo_data as D
    from plans.plan import Action, Plan
    from plans.territory_loader import load_geodata

    tmp = Path(tempfile.mkdtemp(prefix="pdlm_bench_docx_"))
    db_path = args.db or str(tmp / "bench.sqlite3")
    fresh = not os.path.exists(db_path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "WTF_CSRF_ENABLED": False, "TESTING": True,
                      "SECRET_KEY": "bench", "DEMO_DATA": False, "SERVER_NAME": None,
                      "DOCX_TEMPLATE_DIR": str(tmp / "no-upload")})
    try:
        with app.app_context():
            session = db.session
            if fresh:
                t = time.perf_counter()
                upgrade()
                load_geodata(session, app.config["GEODATA_DIR"])
                demo.seed_test_cases(session)
                session.commit()
                demo.seed_random_plans(session, 1, actions=args.actions, seed=11)
                print(f"seeded in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            n_actions = sa.func.count(Action.id)
            big_id, big_n = session.execute(
                sa.select(Plan.id, n_actions).join(Action, Action.plan_id == Plan.id)
                .where(Plan.uuid.not_in(D.TEST_CASE_UUIDS)).group_by(Plan.id)
                .order_by(n_actions.desc()).limit(1)).one()
            cases = [(spec["uuid"], spec["title"]) for spec in D.TEST_CASES]
            case_ids = {u: session.scalar(sa.select(Plan.id).where(Plan.uuid == u)) for u, _ in cases}
            template_path = ex.active_template_path()

            def plan(pid):
                session.expire_all()
                return session.get(Plan, pid)

            def timed(fn, pid):
                """Median and range (ms) of `runs` runs of fn(plan), each on an emptied session; last result."""
                fn(plan(pid))  # warm-up: imports, matplotlib fonts, Jinja compilation of nothing yet cached
                times, result = [], None
                for _ in range(runs):
                    p = plan(pid)
                    t = time.perf_counter()
                    result = fn(p)
                    times.append((time.perf_counter() - t) * 1000)
                return statistics.median(times), min(times), max(times), result

            # (a) full export
            a = timed(lambda p: ex.render_docx(p, session), big_id)
            big_docx = a[3]
            # (c) map alone, (d) context alone (no map)
            c = timed(lambda p: ex.map_png(p, session), big_id)
            png = c[3]
            d = timed(lambda p: ex.build_context(p, session, with_map=False), big_id)
            # (b) naive baseline: same context, built beforehand; only the image is re-attached to the new template
            ctx = ex.build_context(plan(big_id), session, with_map=False)

            def naive(_p):
                tpl = DocxTemplate(str(template_path))
                ctx["carte"] = InlineImage(tpl, io.BytesIO(png), width=Mm(ex.MAP_WIDTH_MM))
                tpl.render(ctx, autoescape=True)
                out = io.BytesIO()
                tpl.save(out)
                return out.getvalue()

            b = timed(naive, big_id)

            docs = []
            for u, title in cases:
                r = timed(lambda p: ex.render_docx(p, session), case_ids[u])
                n = len(plan(case_ids[u]).actions)
                docs.append((title, n, r))
            big_title = plan(big_id).title
            docs.append((f"{big_title} (aléatoire)", big_n, a[:3] + (big_docx,)))

        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        pages = [_pages(soffice, r[3], tmp, i) for i, (_, _, r) in enumerate(docs)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    load = os.getloadavg()
    ms = lambda m: f"{m[0]:,.0f} ms ({m[1]:,.0f}–{m[2]:,.0f})"  # noqa: E731
    lines = [
        f"Machine: {os.cpu_count()} CPU (nproc), RAM {_ram()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; SQLite; load average at the end {load[0]:.1f} / {load[1]:.1f} "
        f"/ {load[2]:.1f} (1/5/15 min); median (min–max) of {runs} runs after one warm-up.",
        "",
        f"| plan of {big_n} actions | time |",
        "|---|---:|",
        f"| (a) full export, map included (`render_docx`) | {ms(a)} |",
        f"| (b) naive baseline: `DocxTemplate(path).render(ctx, autoescape=True)` + save, context already built | "
        f"{ms(b)} |",
        f"| (c) static map PNG alone (`map_png`) | {ms(c)} |",
        f"| (d) context alone, without the map (`build_context(with_map=False)`) | {ms(d)} |",
        f"| **(a) / (b)** | **{a[0] / b[0]:.2f}** |",
        "",
        "| plan | actions | export (median, min–max) | .docx | pages (LibreOffice → PDF) |",
        "|---|---:|---:|---:|---:|",
    ]
    for (title, n, r), p in zip(docs, pages):
        lines.append(f"| {title} | {n} | {ms(r)} | {len(r[3]) / 1024:,.0f} KiB | {p} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        _write(table, runs, args.actions)


def _pages(soffice, data: bytes, tmp: Path, i: int) -> str:
    if not soffice or not shutil.which("pdfinfo"):
        return "?"
    work = tmp / f"pdf{i}"
    work.mkdir()
    src = work / "plan.docx"
    src.write_bytes(data)
    try:
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--convert-to", "pdf",
                        "--outdir", str(work), str(src)], check=True, capture_output=True, timeout=300)
        info = subprocess.run(["pdfinfo", str(work / "plan.pdf")], check=True, capture_output=True, text=True).stdout
    except (subprocess.SubprocessError, OSError) as e:
        print(f"LibreOffice/pdfinfo failed: {e}", file=sys.stderr)
        return "?"
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return m.group(1) if m else "?"


def _write(table: str, runs: int, actions: int) -> None:
    section = f"""{SECTION}

`scripts/bench_docx.py` (run: `.venv/bin/python scripts/bench_docx.py --write`, or `make bench`; it seeds a
temporary SQLite database, migrated with Alembic, with the territory, the three test cases and one
`plans.demo.seed_random_plans` plan of {actions} actions, about a minute). Every time is the median (min–max) of
{runs} runs after a warm-up, each on an emptied session (the plan and its collections reloaded, as in a request).
(a) is what the export route does (`plans.export_docx.render_docx`: context, static map, docxtpl render with
`autoescape=True`, table grids, save); (b) is the naive baseline — a bare docxtpl render of the same model with
the same, already built context (map PNG already drawn, only re-attached as an `InlineImage`) and a save to
`BytesIO`; (c) and (d) are the two parts (a) adds on top of (b). Pages: the .docx converted by LibreOffice
(`soffice --headless --convert-to pdf`), counted by `pdfinfo`. The machine may have been loaded by a concurrent
test run while measuring (see the load average below): read the figures as an upper bound.

{table}
"""
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    BENCHMARKS.write_text(text, encoding="utf-8")
    print(f"\nwritten to {BENCHMARKS.relative_to(ROOT)}", file=sys.stderr)


def _ram() -> str:
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        return f"{kb / 1024 / 1024:.0f} GiB"
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
