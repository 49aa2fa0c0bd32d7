"""Plan files within bounds (issue 14, item 3): a file with more rows than plans/core/limits.py allows is refused
whole, with the JSON path, the count and the limit, before the JSON Schema reads it, and nothing is written; a
re-import of the same file writes nothing but its audit entry; history stays within bounds."""
from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa

from plans.core import limits
from plans.core.db import Base
from plans.core.errors import ValidationError
from plans.demo import data as D
from plans.planning import sections
from plans.planning.models import Plan, PlanChange
from plans.planning.sectiondata import identification
from plans.review import planfile, planfile_import
from plans.review.models import PlanSnapshot


def _counts(session) -> dict[str, int]:
    return {t.name: session.scalar(sa.select(sa.func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@pytest.fixture
def koniakary(session, demo_cases):
    session.commit()
    return session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))


@pytest.fixture
def document(session, koniakary):
    return planfile.export_document(session, koniakary)


def _refused(session, document) -> dict[str, list[str]]:
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        planfile_import.import_document(session, document, None, source="plan.json")
    assert _counts(session) == before  # refused whole: nothing half-imported
    return caught.value.errors


def test_a_file_of_501_actions_is_refused_on_its_count_before_anything_else_reads_it(session, document):
    document["plan"]["actions"] = [{} for _ in range(501)]  # not even valid actions: the count speaks first
    assert _refused(session, document) == {
        "plan.actions": ["Trop d'actions : 501 ; la limite est de 500 par plan."]}


def test_an_action_with_31_funding_lines_is_refused_at_its_path(session, document):
    action = document["plan"]["actions"][1]
    action["funding_lines"] = [copy.deepcopy(action["funding_lines"][0]) for _ in range(31)]
    assert _refused(session, document) == {
        "plan.actions[1].funding_lines": ["Trop de lignes de financement : 31 ; la limite est de 30 par action."]}


def test_every_list_of_a_file_is_counted(session, document):
    sections_part = document["plan"]["sections"]
    sections_part["migration"]["destinations"] = [{"ref": f"destination-{i}", "country": "FR", "city": "", "count": 1,
                                                   "trend": "inconnue"} for i in range(101)]
    sections_part["suivi"]["indicators"][0]["targets"] = {str(2000 + i): "1" for i in range(11)}
    document["plan"]["history"]["changes"] = [{"at": "2025-01-01T00:00:00Z", "section": "actions", "user": None,
                                               "summary": "x"}] * 2_001
    assert _refused(session, document) == {
        "plan.sections.migration.destinations": ["Trop de destinations : 101 ; la limite est de 100 par plan."],
        "plan.sections.suivi.indicators[0].targets": [
            "Trop de cibles annuelles : 11 ; la limite est de 10 par indicateur."],
        "plan.history.changes": ["Trop d'entrées d'historique : 2\u202f001 ; la limite est de 2\u202f000 par fichier "
                                 "de plan."]}


def test_a_file_over_20_mb_is_refused_before_it_is_parsed(session):
    data = b" " * (limits.PLAN_FILE_BYTES + 1)
    assert _refused(session, data) == {"": [
        "Le fichier est trop volumineux (20,1 Mo) : un fichier de plan ne peut dépasser 20 Mo."]}
    data = b"{" + b" " * (21 * 1024 * 1024 - 1)
    assert _refused(session, data)[""][0].startswith("Le fichier est trop volumineux (21 Mo)")


def test_a_file_cannot_bring_a_collectivite_over_its_associations(session, koniakary, document):
    template = document["plan"]["diaspora_associations"][0]
    document["plan"]["diaspora_associations"] = [
        {**template, "ref": f"association-{i}", "name": f"Association {i}"} for i in range(200)]
    for action in document["plan"]["actions"]:
        for line in action["funding_lines"]:
            line["association"] = "association-0" if line["association"] else None
    errors = _refused(session, document)  # Enndam Jombuku is already there: 201 in all
    assert list(errors) == ["plan.diaspora_associations"]
    assert "compte déjà 200 associations de la diaspora ; la limite est de 200" in errors[
        "plan.diaspora_associations"][0]


def _history_rows(session, plan) -> tuple[int, int]:
    return (session.scalar(sa.select(sa.func.count()).select_from(PlanChange).where(PlanChange.plan_id == plan.id)),
            session.scalar(sa.select(sa.func.count()).select_from(PlanSnapshot)
                           .where(PlanSnapshot.plan_id == plan.id)))


def test_importing_the_same_file_again_writes_nothing_but_its_audit_entry(session, koniakary, document):
    data = planfile.document_bytes(document)
    planfile_import.import_document(session, data, None, source="plan.json")
    session.commit()
    rows = _history_rows(session, koniakary)
    versions = {key: sections.current_version(session, koniakary, key) for key in sections.EDITABLE_SECTIONS}
    audit = _counts(session)["audit_entry"]
    for _ in range(3):
        planfile_import.import_document(session, data, None, source="plan.json")
        session.commit()
    assert _history_rows(session, koniakary) == rows
    assert {key: sections.current_version(session, koniakary, key) for key in sections.EDITABLE_SECTIONS} == versions
    assert _counts(session)["audit_entry"] == audit + 3


def test_an_import_keeps_the_ten_newest_copies_and_every_review_version(session, koniakary, document):
    session.add(PlanSnapshot(plan_id=koniakary.id, kind="soumis", label="Soumis", document=document))
    session.commit()
    for i in range(12):
        document["plan"]["title"] = f"PDESC de Koniakary, version {i}"
        planfile_import.import_document(session, document, None, source=f"plan-{i}.json")
        session.commit()
    kinds = session.scalars(sa.select(PlanSnapshot.kind).where(PlanSnapshot.plan_id == koniakary.id)).all()
    assert sorted(kinds) == ["import"] * limits.IMPORT_SNAPSHOTS + ["soumis"]
    newest = session.scalar(sa.select(PlanSnapshot).where(PlanSnapshot.kind == "import")
                            .order_by(PlanSnapshot.id.desc()).limit(1))
    assert newest.document["plan"]["title"] == "PDESC de Koniakary, version 11"


def _save_title(session, plan, title: str, user) -> None:
    data = {**identification.dump(plan), "title": title}
    sections.save_section(session, plan, "identification", sections.current_version(session, plan, "identification"),
                          user, apply=lambda: identification.apply(session, plan, data),
                          snapshot=lambda: identification.dump(plan))
    session.commit()


def test_a_section_keeps_its_newest_saves_restorable_and_lists_the_older_ones(session, plan, planner):
    for i in range(limits.HISTORY_RESTORABLE + 5):
        _save_title(session, plan, f"PDESC de Koniakary, version {i}", planner)
    changes = sections.history(session, plan, "identification", limit=100)
    assert len(changes) == limits.HISTORY_RESTORABLE + 5  # every save still listed
    assert [c.restorable for c in changes] == [True] * limits.HISTORY_RESTORABLE + [False] * 5
    oldest = changes[-1]
    assert oldest.snapshot == {} and oldest.summary  # the copy dropped, what changed kept
    assert changes[limits.HISTORY_RESTORABLE - 1].snapshot["title"] == "PDESC de Koniakary, version 5"


def test_each_action_keeps_its_own_newest_saves(session, plan, planner):
    from plans.planning import actions as svc

    data = {"sector": "sante", "title": "CSCOM", "quantity": "1", "unit_cost": "1 000", "schedule": {"2025": "1 000"}}
    first = svc.create_action(session, plan, data, planner)
    other = svc.create_action(session, plan, {**data, "title": "Forage"}, planner)
    session.commit()
    for i in range(limits.HISTORY_RESTORABLE + 2):
        svc.update_action(session, plan, first, {**data, "title": f"CSCOM {i}"}, first.version_id, planner)
        session.commit()
    kept = dict(session.execute(sa.select(PlanChange.action_uuid, sa.func.count()).where(
        PlanChange.plan_id == plan.id, PlanChange.restorable.is_(True)).group_by(PlanChange.action_uuid)).all())
    assert kept == {first.uuid: limits.HISTORY_RESTORABLE, other.uuid: 1}  # the other action's save untouched
    pruned = session.scalars(sa.select(PlanChange).where(PlanChange.restorable.is_(False))).all()
    assert len(pruned) == 3 and all(c.snapshot["action_uuid"] == first.uuid for c in pruned)


def test_the_growth_of_a_reimport_is_nil(session, koniakary, document):
    """What `make bench` measures in bytes (docs/BENCHMARKS.md, "Limites"), here in rows and copies."""
    planfile_import.import_document(session, json.dumps(document), None, source="plan.json")
    session.commit()
    before = _counts(session)
    planfile_import.import_document(session, json.dumps(document), None, source="plan.json")
    session.commit()
    after = _counts(session)
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {"audit_entry": 1}


def test_a_file_of_more_than_5000_funding_lines_is_refused(session, document):
    template = document["plan"]["actions"][1]
    template = {**template, "funding_lines": [copy.deepcopy(template["funding_lines"][0]) for _ in range(30)]}
    document["plan"]["actions"] = [{**template, "uuid": f"00000000-0000-4000-8000-{i:012d}"} for i in range(167)]
    assert _refused(session, document) == {
        "plan.actions": ["Trop de lignes de financement : 5\u202f010 ; la limite est de 5\u202f000 par plan."]}


def test_an_objective_answering_more_than_10_findings_is_refused_at_its_path(session, document):
    refs = [f"finding-{i}" for i in range(1, 12)]
    document["plan"]["sections"]["orientations"]["axes"][0]["objectives"][0]["findings"] = refs
    assert _refused(session, document) == {"plan.sections.orientations.axes[0].objectives[0].findings": [
        "Trop de constats liés : 11 ; la limite est de 10 par objectif."]}
