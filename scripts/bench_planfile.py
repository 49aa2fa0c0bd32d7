"""Benchmark of the plan file, JSON export and import (docs/BENCHMARKS.md, "Fichier du plan (JSON)").

    .venv/bin/python scripts/bench_planfile.py [--db FILE] [--write] [--runs 7]

On the benchmark database (scripts/bench_common.py), on the big plan (150 actions), each a median and range of
--runs runs on an emptied session:
(a) export: `plans.review.planfile.export_document` + `document_bytes` (the file as downloaded);
(b) naive export: every column of the plan and of the rows it owns (its delete-orphan relationships, walked
    generically through the SQLAlchemy mapper) to `json.dumps` — no refs, no fixed order, database ids left in;
(c) import of that file onto the same plan (`import_document`: the update of a draft), rolled back after each run;
(d) import as a new plan (the same file with new uuids: every row created), rolled back;
(e) the floor every import pays: `read_document` (JSON parse + JSON Schema) alone.
Ratios (a)/(b) and (c)/(e). No budget in the issues.
"""
from __future__ import annotations

import json
import statistics
import sys
import uuid as uuidlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

TITLE = "Fichier du plan (JSON)"


def naive_dump(obj, seen=None) -> dict:
    """Every column of `obj`, and recursively of the rows it owns (delete-orphan relationships)."""
    import sqlalchemy as sa

    seen = set() if seen is None else seen
    mapper = sa.inspect(obj).mapper
    out = {}
    for column in mapper.column_attrs:
        value = getattr(obj, column.key)
        out[column.key] = value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
    for rel in mapper.relationships:
        if not rel.cascade.delete_orphan or rel.lazy in ("write_only", "dynamic") or rel.key in seen:
            continue
        value = getattr(obj, rel.key)
        if rel.uselist:
            out[rel.key] = [naive_dump(child, seen | {rel.key}) for child in value]
        else:
            out[rel.key] = None if value is None else naive_dump(value, seen | {rel.key})
    return out


def _as_new_plan(document: dict) -> dict:
    """The same file under new uuids (plan and actions): an import then creates every row."""
    doc = json.loads(json.dumps(document))
    doc["plan"]["uuid"] = str(uuidlib.uuid4())
    for action in doc["plan"]["actions"]:
        action["uuid"] = str(uuidlib.uuid4())
    return doc


def run(args) -> bc.Report:
    bench = bc.start(args)
    runs = bench.runs

    from app.extensions import db
    from plans.planning.models import Plan
    from plans.review import planfile, planfile_import

    pid, n = bench.contents.big_plan_id, bench.contents.big_plan_actions
    with bench.app.app_context():
        session = db.session

        def plan():
            session.expire_all()
            return session.get(Plan, pid)

        def timed(fn):
            """`runs` runs after a warm-up, each on an emptied session."""
            return bc.repeat(lambda _emptied: fn(), runs, before=session.expire_all)

        a, data = timed(lambda: planfile.document_bytes(planfile.export_document(session, plan())))
        b, naive = timed(lambda: json.dumps(naive_dump(plan()), ensure_ascii=False, indent=2).encode())
        document = json.loads(data)
        new_document = json.dumps(_as_new_plan(document)).encode()

        def imported(payload, *, created: bool):
            def go():
                try:
                    result = planfile_import.import_document(session, payload, None, source="bench.json")
                    if result.created is not created or len(result.plan.actions) != n:
                        raise RuntimeError(f"import gave created={result.created}, {len(result.plan.actions)} "
                                           f"actions; expected created={created}, {n} actions")
                finally:
                    session.rollback()
            return go

        c, _ = timed(imported(data, created=False))
        d, _ = timed(imported(new_document, created=True))
        e, _ = timed(lambda: planfile.read_document(data))
        # export → import → export: the same document apart from "exported_at" (plandoc's promise)
        planfile_import.import_document(session, data, None, source="bench.json")
        again = planfile.export_document(session, plan())
        same = planfile.without_timestamp(again) == planfile.without_timestamp(document)
        session.rollback()
        title = plan().title
        session.remove()

    med = statistics.median
    lines = [
        f"Plan n° {pid} « {title} », {n} actions: file of {bc.kib(len(data))} ({bc.kib(bc.gz(data))} gzip); the naive "
        f"dump {bc.kib(len(naive))}. Export → import → export gives the same document apart from `exported_at`: "
        f"{'yes' if same else '**no**'}.",
        "",
        "| | time (median, min–max) |",
        "|---|---:|",
        f"| (a) export: `export_document` + `document_bytes` | {bc.spread(a)} |",
        f"| (b) naive export: generic column dump of the plan and its rows + `json.dumps` | {bc.spread(b)} |",
        f"| (c) import onto the same plan (update of a draft; rolled back) | {bc.spread(c)} |",
        f"| (d) import as a new plan (every row created; rolled back) | {bc.spread(d)} |",
        f"| (e) `read_document` alone: JSON parse + JSON Schema | {bc.spread(e)} |",
        f"| **(a) / (b)** | **{bc.ratio(med(a), med(b))}** |",
        f"| **(c) / (e)** | **{bc.ratio(med(c), med(e))}** |",
    ]
    intro = f"""\
`scripts/bench_planfile.py`, on the benchmark database: the big plan's file (`plans/review/planfile.py`),
every time the median (min–max) of {runs} runs after a warm-up, each on an emptied session. (a) the export as
downloaded; (b) its naive baseline, a generic dump of every column of the plan and of the rows it owns (walked
through the SQLAlchemy mapper) to `json.dumps`, without the refs, fixed order and history summary the file
format has; (c) `import_document` of that file onto the same plan — every section checked against its rules
and rewritten, actions matched by uuid — and (d) into a new plan, both rolled back so that the database stays
as it was; (e) the part of (c) any import pays whatever it does next: parsing the JSON and checking it against
the JSON Schema (`read_document`). No budget in the issues."""
    checks = [bc.Check(f"plan file export, {n} actions", bc.ms(med(a)), naive=f"{bc.ms(med(b))} generic dump",
                       ratio=f"{bc.ratio(med(a), med(b))} × the generic dump"),
              bc.Check(f"plan file import, {n} actions (update)", bc.ms(med(c)),
                       naive=f"{bc.ms(med(e))} parse + schema", ratio=f"{bc.ratio(med(c), med(e))} × parse + schema")]
    if not same:
        print("WARNING: export → import → export changed the document", file=sys.stderr)
    return bench.report(TITLE, intro, lines, checks)


def main(argv=None) -> int:
    return bc.main(run, __doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
