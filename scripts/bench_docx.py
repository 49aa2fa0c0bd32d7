"""Benchmark of the Word export (docs/BENCHMARKS.md, "Export Word").

    .venv/bin/python scripts/bench_docx.py [--db FILE] [--write] [--runs 7]

On the benchmark database (scripts/bench_common.py: created unless --db names one), measures on the big plan
(150 actions), each a median and range of --runs runs (the session is emptied before each run, as a request
would start):
(a) the full export, map and one sheet per action included (`plans.documents.plan_document.render_docx`: context,
    static map, docxtpl render, sommaire, column layout, tables kept together, properties);
(b) the naive baseline: a bare `DocxTemplate(path).render(ctx, autoescape=True)` + save to BytesIO with the same,
    already built context (the map PNG already drawn);
(c) the static map PNG alone (`plans.documents.plan_document.map_png`);
(d) the context alone, without the map (`build_context(..., with_map=False)`);
and the ratio (a)/(b). For the three test cases and the big plan: export time (median), .docx size, and the PDF
conversion (plans.documents.office: LibreOffice headless in a fresh profile, the sommaire updated) with its time
and page count (pdfinfo). Budgets (issues 5 and 13): (a) ≤ 1.5 s and (a) ≤ 2.5 × (b); the conversion is recorded.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

from plans.documents import office  # noqa: E402

TITLE = "Export Word"
EXPORT_BUDGET_MS = 1500.0
RATIO_BUDGET = 2.5  # (a) / (b), issue 13


def run(args) -> bc.Report:
    bench = bc.start(args)
    runs = bench.runs

    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    from app.extensions import db
    from plans.demo import data as D
    from plans.documents import plan_document as ex
    from plans.planning.models import Plan

    tmp = Path(tempfile.mkdtemp(prefix="pdlm_bench_docx_"))
    big_id, big_n = bench.contents.big_plan_id, bench.contents.big_plan_actions
    cases = [(spec["uuid"], spec["title"]) for spec in D.TEST_CASES]
    case_ids = bench.contents.case_ids
    try:
        with bench.app.app_context():
            session = db.session
            template_path = ex.SHIPPED_TEMPLATE

            def plan(pid):
                session.expire_all()
                return session.get(Plan, pid)

            def timed(fn, pid):
                """Median and range (ms) of `runs` runs of fn(plan), each on an emptied session, after a warm-up
                (imports, matplotlib fonts); last result."""
                times, result = bc.repeat(fn, runs, before=lambda: plan(pid))
                return bc.median_range(times) + (result,)

            # (a) full export
            a = timed(lambda p: ex.render_docx(p, session, template_path), big_id)
            big_docx = a[3]
            # (c) map alone, (d) context alone (no map)
            c = timed(lambda p: ex.map_png(p, session), big_id)
            png = c[3]
            if not png:
                raise RuntimeError(f"plan {big_id} has no static map: the export cannot be measured with its map")
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
                r = timed(lambda p: ex.render_docx(p, session, template_path), case_ids[u])
                n = len(plan(case_ids[u]).actions)
                docs.append((title, n, r))
            big_title = plan(big_id).title
            docs.append((f"{big_title} (aléatoire)", big_n, a[:3] + (big_docx,)))
            session.remove()

        pages = [_pages(r[3], tmp, i) for i, (_, _, r) in enumerate(docs)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ms = lambda m: f"{m[0]:,.0f} ms ({m[1]:,.0f}–{m[2]:,.0f})".replace(",", " ")  # noqa: E731
    lines = [
        f"| plan of {big_n} actions | time |",
        "|---|---:|",
        f"| (a) full export, map included (`render_docx`) | {ms(a)} |",
        f"| (b) naive baseline: `DocxTemplate(path).render(ctx, autoescape=True)` + save, context already built | "
        f"{ms(b)} |",
        f"| (c) static map PNG alone (`map_png`) | {ms(c)} |",
        f"| (d) context alone, without the map (`build_context(with_map=False)`) | {ms(d)} |",
        f"| **(a) / (b)** | **{a[0] / b[0]:.2f}** |",
        "",
        "| plan | actions | export (median, min–max) | .docx | PDF conversion (LibreOffice, sommaire updated) | "
        "pages |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for (title, n, r), (seconds, p) in zip(docs, pages):
        lines.append(f"| {title} | {n} | {ms(r)} | {len(r[3]) / 1024:,.0f} KiB | {seconds} | {p} |")
    intro = f"""`scripts/bench_docx.py`, on the benchmark database (the big plan of {big_n} actions and the three
test cases). Every time is the median (min–max) of {runs} runs after a warm-up, each on an emptied session (the
plan and its collections reloaded, as in a request). (a) is what the export route does
(`plans.documents.plan_document.render_docx`: context, static map, docxtpl render with `autoescape=True`, table \
grids, save);
(b) is the naive baseline (issue 5) — a bare docxtpl render of the same model with the same, already built
context (map PNG already drawn, only re-attached as an `InlineImage`) and a save to `BytesIO`; (c) and (d) are
the two parts (a) adds on top of (b). Pages: the .docx converted by LibreOffice (`soffice --headless
--convert-to pdf` would leave the sommaire empty: plans/documents/office.py runs LibreOffice's Python, updates the
indexes and writes the PDF, one fresh profile per conversion), counted by `pdfinfo` ("?" when LibreOffice or poppler
is not installed). Budgets (issues 5 and 13): (a) ≤ 1.5 s, (a) ≤ {RATIO_BUDGET} × (b)."""
    checks = [bc.budget(f"Word export, plan of {big_n} actions, map included", a[0], EXPORT_BUDGET_MS, bc.ms,
                        naive=f"{bc.ms(b[0])} bare docxtpl render", ratio=f"{a[0] / b[0]:.2f} × the bare render"),
              bc.budget(f"Word export / bare docxtpl render, plan of {big_n} actions", a[0] / b[0], RATIO_BUDGET,
                        lambda x: f"{x:.2f} ×")]
    return bench.report(TITLE, intro, lines, checks)


def _pages(data: bytes, tmp: Path, i: int) -> tuple[str, str]:
    """(conversion time, pages) of the .docx converted as the PDF route does; ("?", "?") without LibreOffice."""
    converter = office.Office()
    if converter.unavailable() or not shutil.which("pdfinfo"):
        return "?", "?"
    try:
        converted = converter.convert(data)
    except office.OfficeError as e:
        print(f"LibreOffice failed: {e}", file=sys.stderr)
        return "?", "?"
    pdf = tmp / f"plan{i}.pdf"
    pdf.write_bytes(converted.pdf)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return f"{converted.seconds:.1f} s", m.group(1) if m else "?"


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
