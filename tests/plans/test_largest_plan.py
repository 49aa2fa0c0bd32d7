"""The bounds agree with one another (plans/core/limits.py): the largest plan they allow — every list at its limit,
every long text at its length (plans/demo/largest.py) — fits in a plan file and in a request, every rule accepts
it, and its export is a file that fits again. `make bench` measures what it costs (docs/BENCHMARKS.md, "Limites")."""
from __future__ import annotations

import sqlalchemy as sa

from plans.core import limits
from plans.demo import data as D
from plans.demo.largest import largest_document
from plans.planning.models import Action, FundingLine, Objective, Plan, Priority
from plans.review import planfile, planfile_import

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # app/config.py's default request limit (MAX_UPLOAD_MB)


def test_the_largest_allowed_plan_is_accepted_and_exported_within_the_file_limit(session, demo_cases):
    session.commit()
    koniakary = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    document = largest_document(planfile.export_document(session, koniakary))
    data = planfile.document_bytes(document)
    assert len(data) <= limits.PLAN_FILE_BYTES <= MAX_UPLOAD_BYTES

    result = planfile_import.import_document(session, data, None, source="le-plus-grand.json")
    session.commit()
    plan = result.plan

    def count(model, *where):
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    assert count(Action, Action.plan_id == plan.id) == limits.ACTIONS_PER_PLAN
    assert count(FundingLine, FundingLine.action_id.in_(sa.select(Action.id).where(Action.plan_id == plan.id))) \
        == limits.FUNDING_LINES_PER_PLAN
    assert count(Priority, Priority.plan_id == plan.id) == limits.ROWS["priorities"].limit
    assert len(session.scalars(sa.select(Objective)).all()) >= \
        limits.ROWS["axes"].limit * limits.ROWS["objectives"].limit
    assert len(planfile.document_bytes(planfile.export_document(session, plan))) <= limits.PLAN_FILE_BYTES
