"""The plan file (plans/review/planfile.py): what an export holds, the JSON Schema, import (update, creation, new
revision) and its refusals, each with the JSON path and nothing changed."""
import copy
import json

import pytest
import sqlalchemy as sa
from jsonschema import Draft202012Validator

from app import create_app
from app.extensions import db
from plans.accounts.models import Role
from plans.core.db import Base, serialize
from plans.core.errors import ValidationError
from plans.demo import data as D
from plans.planning import sections
from plans.planning.models import Action, Plan, PlanChange, PlanStatus
from plans.review import planfile, planfile_import
from plans.review.models import PlanSnapshot, PlanTransition
from tests.conftest import app_config


def _latest(session, uuid):
    return session.scalar(sa.select(Plan).where(Plan.uuid == uuid).order_by(Plan.revision.desc()).limit(1))


def _counts(session) -> dict[str, int]:
    """Rows in every table: what "nothing changed" means."""
    return {t.name: session.scalar(sa.select(sa.func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@pytest.fixture
def seeded(session, demo_cases):
    session.commit()
    return {uuid: _latest(session, uuid) for uuid in D.TEST_CASE_UUIDS}


@pytest.fixture
def koniakary_doc(session, seeded):
    return planfile.export_document(session, seeded[D.TC1_UUID])


def _refused(session, document, user=None) -> ValidationError:
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        planfile_import.import_document(session, document, user, source="plan.json")
    assert _counts(session) == before
    return caught.value


# ----- What an export holds ---------------------------------------------------------------------------------------

def test_schema_file_is_a_valid_draft_2020_12_schema():
    schema = json.loads(planfile.SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"] == {"const": planfile.SCHEMA_VERSION}


def test_the_three_test_cases_export_valid_documents(session, seeded):
    validator = Draft202012Validator(planfile.schema())
    for uuid, plan in seeded.items():
        document = planfile.export_document(session, plan)
        assert list(validator.iter_errors(document)) == []
        assert document["format"] == "pdl-m-plan" and document["schema_version"] == planfile.SCHEMA_VERSION == 2
        assert document["exported_at"].endswith("Z")
        assert document["plan"]["uuid"] == uuid
        json.loads(planfile.document_bytes(document))  # serialisable as is


def test_export_names_the_owner_by_territory_codes(session, seeded):
    commune = planfile.export_document(session, seeded[D.TC1_UUID])["plan"]["owner"]
    assert commune["kind"] == "commune" and commune["pcode"] == D.KONIAKARY_PCODE and commune["territory_edition"]
    glct = planfile.export_document(session, seeded[D.TC3_UUID])["plan"]["owner"]
    assert glct["kind"] == "glct" and glct["name"] == D.KENEDOUGOU_NAME
    assert {m["pcode"] for m in glct["members"] if "pcode" in m} == set(D.KENEDOUGOU_MALI_CODES)
    assert sorted(m["name"] for m in glct["members"] if "pcode" not in m) == sorted(D.KENEDOUGOU_BFA_NAMES)
    assert all(m["country"] == "BFA" for m in glct["members"] if "pcode" not in m)


def _keys(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key
            yield from _keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item, path)


def test_no_database_id_leaks_and_refs_resolve(session, seeded):
    document = planfile.export_document(session, seeded[D.TC1_UUID])
    keys = [key for _, key in _keys(document)]
    assert "id" not in keys and not [k for k in keys if k.endswith("_id") or k.endswith("_ids")]
    plan = document["plan"]
    objectives = {o["ref"] for a in plan["sections"]["orientations"]["axes"] for o in a["objectives"]}
    findings = {f["ref"] for key in ("situation", "migration") for f in plan["sections"][key]["findings"]}
    associations = {a["ref"] for a in plan["diaspora_associations"]}
    assert {a["objective"] for a in plan["actions"]} - {None} <= objectives
    assert {r for a in plan["sections"]["orientations"]["axes"] for o in a["objectives"] for r in o["findings"]} \
        <= findings
    used = {ln["association"] for a in plan["actions"] for ln in a["funding_lines"]} - {None}
    assert used and used <= associations
    assert [a["uuid"] for a in plan["actions"]] == [a.uuid for a in seeded[D.TC1_UUID].actions]


def test_history_summary_lists_the_saves(session, seeded):
    history = planfile.export_document(session, seeded[D.TC1_UUID])["plan"]["history"]
    assert {c["section"] for c in history["changes"]} >= {"identification", "situation", "migration", "orientations"}
    assert all(set(c) == {"at", "section", "user", "summary"} for c in history["changes"])
    assert history["transitions"] == []


# ----- Round trips ------------------------------------------------------------------------------------------------

def test_export_import_export_is_identical_for_the_three_test_cases(session, seeded):
    for uuid, plan in seeded.items():
        first = planfile.export_document(session, plan)
        result = planfile_import.import_document(session, planfile.document_bytes(first), None, source="plan.json")
        session.commit()
        assert (result.plan.id, result.created, result.new_revision) == (plan.id, False, False)
        assert planfile.without_timestamp(planfile.export_document(session, result.plan)) == \
            planfile.without_timestamp(first)


def _as_claims(document: dict) -> dict:
    """The document as another server exports it once imported: the same plan, and the history it carried as the
    file's claim (issue 14, item 4), none of it that server's own record."""
    out = planfile.without_timestamp(copy.deepcopy(document))
    history = out["plan"]["history"]
    out["plan"]["history"] = {"changes": [], "transitions": [],
                              "claimed": {"changes": history["changes"], "transitions": history["transitions"]}}
    return out


def test_delete_then_import_recreates_the_same_plan(session, seeded):
    for uuid, plan in seeded.items():
        first = planfile.export_document(session, plan)
        session.delete(plan)
        session.commit()
        assert _latest(session, uuid) is None
        result = planfile_import.import_document(session, first, None, source="plan.json")
        session.commit()
        assert result.created and not result.new_revision
        assert planfile.without_timestamp(planfile.export_document(session, result.plan)) == _as_claims(first)


def test_import_into_a_fresh_database_recreates_owners_and_plans(session, seeded, databases, template_database):
    documents = [planfile.export_document(session, plan) for plan in seeded.values()]
    other = create_app(app_config(databases.copy_of(template_database)))
    with other.app_context():
        try:
            for document in documents:
                result = planfile_import.import_document(db.session, planfile.document_bytes(document), None,
                                                 source="plan.json")
                db.session.commit()
                assert result.created
                assert planfile.without_timestamp(planfile.export_document(db.session, result.plan)) == \
                    _as_claims(document)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_reimport_updates_the_plan_keeps_action_rows_and_bumps_the_versions_of_what_changed(session, seeded):
    plan = seeded[D.TC1_UUID]
    document = planfile.export_document(session, plan)
    action_ids = {a.uuid: a.id for a in plan.actions}
    action_versions = {a.uuid: a.version_id for a in plan.actions}
    versions = {key: sections.current_version(session, plan, key) for key in planfile.CONTENT_SECTIONS}
    changes_before = session.scalar(sa.select(sa.func.count()).select_from(PlanChange)
                                     .where(PlanChange.plan_id == plan.id))
    changed = copy.deepcopy(document)
    changed["plan"]["title"] = "PDESC de Koniakary 2025-2029 (version du village)"
    changed["plan"]["actions"][0]["title"] = "Extension du CSCOM (2 salles)"
    dropped = changed["plan"]["actions"].pop()

    result = planfile_import.import_document(session, changed, None, source="koniakary.json")
    session.commit()
    session.expire_all()
    plan = session.get(Plan, plan.id)
    assert plan.title == "PDESC de Koniakary 2025-2029 (version du village)"
    assert [a.uuid for a in plan.actions] == [a["uuid"] for a in changed["plan"]["actions"]]
    assert plan.actions[0].title == "Extension du CSCOM (2 salles)"
    assert session.scalar(sa.select(Action).where(Action.uuid == dropped["uuid"])) is None
    assert all(a.id == action_ids[a.uuid] and a.version_id > action_versions[a.uuid] for a in plan.actions)
    # the title is section 1's, the actions section 5's: those two move on and are recorded; the sections the file
    # leaves as they were keep their version (open forms stay valid) and write no history (issue 14, item 3)
    for key in planfile.CONTENT_SECTIONS + ("actions",):
        moved = sections.current_version(session, plan, key) > versions.get(key, 0)
        assert moved is (key in ("identification", "actions")), key
    new_changes = list(session.scalars(sa.select(PlanChange).where(PlanChange.plan_id == plan.id)
                                       .order_by(PlanChange.id).offset(changes_before)))
    assert sorted(c.section for c in new_changes) == ["actions", "identification"]
    assert all(c.summary.startswith("Import du fichier « koniakary.json »") for c in new_changes)
    assert result.warnings == []
    snapshot = session.scalar(sa.select(PlanSnapshot).where(PlanSnapshot.plan_id == plan.id))
    assert snapshot.kind == "import" and snapshot.document["plan"]["title"] == changed["plan"]["title"]


def test_reimport_over_an_adopted_plan_creates_revision_2(session, seeded):
    plan = seeded[D.TC1_UUID]
    plan.status = PlanStatus.ADOPTE
    session.commit()
    title = plan.title
    document = planfile.export_document(session, plan)
    document["plan"]["title"] = "PDESC de Koniakary — révision"

    result = planfile_import.import_document(session, document, None, source="plan.json")
    session.commit()
    assert result.new_revision and not result.created and result.warnings
    revision = result.plan
    assert (revision.uuid, revision.revision, revision.status) == (plan.uuid, 2, PlanStatus.BROUILLON)
    assert revision.id != plan.id and revision.title == "PDESC de Koniakary — révision"
    session.refresh(plan)
    assert plan.title == title and plan.status is PlanStatus.ADOPTE  # frozen
    assert [a.uuid for a in revision.actions] == [a.uuid for a in plan.actions]
    assert {a.id for a in revision.actions}.isdisjoint({a.id for a in plan.actions})
    transition = session.scalar(sa.select(PlanTransition).where(PlanTransition.plan_id == revision.id))
    assert (transition.from_status, transition.to_status) == ("adopte", "brouillon")
    history = planfile.export_document(session, revision)["plan"]["history"]
    assert [(t["from"], t["to"]) for t in history["transitions"]] == [("adopte", "brouillon")]


def test_a_plan_in_review_is_not_changed_by_an_import(session, seeded):
    plan = seeded[D.TC1_UUID]
    plan.status = PlanStatus.EN_REVUE
    session.commit()
    document = planfile.export_document(session, plan)
    error = _refused(session, document)
    assert "plan.status" in error.errors and "en revue" in error.errors["plan.status"][0].lower()


def test_load_into_replaces_content_and_keeps_identity(session, seeded):
    source, target = seeded[D.TC1_UUID], seeded[D.TC2_UUID]
    document = planfile.export_document(session, target)
    document["plan"]["diaspora_associations"] = []
    for action in document["plan"]["actions"]:
        action["lon"] = action["lat"] = None  # the SICM's sites lie outside Koniakary
        for line in action["funding_lines"]:
            if line["association"]:
                line["association"] = None
                line["source_type"] = "ong"
    planfile.load_into(session, source, document, None, summary="Nouvelle révision")
    session.commit()
    again = planfile.export_document(session, source)["plan"]
    assert (again["uuid"], again["owner"]["pcode"]) == (D.TC1_UUID, D.KONIAKARY_PCODE)
    assert again["sections"] == document["plan"]["sections"]
    assert again["title"] == document["plan"]["title"]
    assert len(again["actions"]) == len(document["plan"]["actions"])


# ----- Refusals: where and why, nothing changed ----------------------------------------------------------------------

def test_truncated_file_refused(session, koniakary_doc):
    data = planfile.document_bytes(koniakary_doc)
    error = _refused(session, data[: len(data) // 2])
    assert "tronqué" in error.messages[0]


def test_not_json_refused(session, seeded):
    assert "n'est pas un document JSON" in _refused(session, b"PK\x03\x04 un fichier Word").messages[0]
    assert "pas un fichier de plan PDL-M" in _refused(session, b'{"format": "autre"}').messages[0]
    assert "pas un fichier de plan PDL-M" in _refused(session, b"[1, 2]").messages[0]


def test_oversized_file_refused_before_reading(session, seeded):
    error = _refused(session, b" " * (20 * 1024 * 1024 + 1))
    assert "trop volumineux" in error.messages[0] and "20 Mo" in error.messages[0]


def test_unknown_schema_version_refused(session, koniakary_doc):
    document = {**koniakary_doc, "schema_version": 3}
    error = _refused(session, document)
    assert "version 3" in error.errors["schema_version"][0] and "mettez l'application à jour" in \
        error.errors["schema_version"][0].lower()


def test_unknown_commune_refused(session, koniakary_doc):
    session.delete(_latest(session, D.TC1_UUID))
    session.commit()
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["owner"]["pcode"] = "ML999999"
    error = _refused(session, document)
    assert error.errors["plan.owner.pcode"][0].startswith("Commune inconnue")
    assert "ML999999" in error.errors["plan.owner.pcode"][0]


def test_bad_amount_refused_with_its_path(session, koniakary_doc):
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["actions"][3]["funding_lines"][0]["amount"] = "beaucoup"
    error = _refused(session, document)
    assert list(error.errors) == ["plan.actions[3].funding_lines[0].amount"]
    assert "nombre entier" in error.errors["plan.actions[3].funding_lines[0].amount"][0]

    document["plan"]["actions"][3]["funding_lines"][0]["amount"] = -5
    assert "plan.actions[3].funding_lines[0].amount" in _refused(session, document).errors


def test_rule_errors_carry_the_json_path(session, koniakary_doc):
    document = copy.deepcopy(koniakary_doc)
    line = document["plan"]["actions"][1]["funding_lines"][0]
    line["amount"], line["share_pct"] = None, "150"  # a share above 100 %: the actions' rule, not the schema
    document["plan"]["sections"]["situation"]["population_records"][0]["value"] = 0
    error = _refused(session, document)
    assert "plan.sections.situation.population_records[0].value" in error.errors
    # actions are checked once the sections pass
    document["plan"]["sections"]["situation"]["population_records"][0]["value"] = 12_000
    error = _refused(session, document)
    assert "plan.actions[1].funding_lines[0].share_pct" in error.errors
    assert "100" in error.errors["plan.actions[1].funding_lines[0].share_pct"][0]


@pytest.mark.parametrize("revision", [2**31, 2**31 - 1, 10**6, 10**30])
def test_a_revision_beyond_what_is_kept_is_refused(session, koniakary_doc, revision):
    """A revision number past INTEGER was a 500 on PostgreSQL and stored on SQLite (issue 14, item 6); no real
    plan has a million revisions: refused with its path, on both databases."""
    session.delete(_latest(session, D.TC1_UUID))
    session.commit()
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["revision"] = revision
    error = _refused(session, planfile.document_bytes(document))
    assert "inférieur ou égal à 999999" in error.errors["plan.revision"][0]
    document["plan"]["revision"] = 999_999
    assert planfile_import.import_document(session, document, None).plan.revision == 999_999


def test_dangling_reference_refused(session, koniakary_doc):
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["actions"][0]["objective"] = "objective-99"
    error = _refused(session, document)
    assert "objective-99" in error.errors["plan.actions[0].objective"][0]


def test_impossible_date_refused(session, koniakary_doc):
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["sections"]["identification"]["process_steps"][0]["date"] = "2025-02-30"
    error = _refused(session, document)
    assert "plan.sections.identification.process_steps[0].date" in error.errors


def test_planner_of_another_owner_refused(session, koniakary_doc, make_user, seeded):
    from plans.owners import service as owners_service

    other = owners_service.commune_owner(session, "ML010101")
    session.commit()
    stranger = make_user(Role.PLANNER, email="autre@commune.ml", owners=[other])
    error = _refused(session, koniakary_doc, stranger)
    assert "vos collectivités" in error.errors["plan.owner"][0]
    reviewer = make_user(Role.REVIEWER, email="relecteur@dgct.ml")
    assert "relecteurs" in _refused(session, koniakary_doc, reviewer).messages[0]


def test_planner_imports_a_new_plan_of_their_commune_as_a_draft(session, koniakary_doc, planner):
    session.delete(_latest(session, D.TC1_UUID))
    session.commit()
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["status"] = "valide"
    result = planfile_import.import_document(session, document, planner, source="plan.json")
    session.commit()
    assert result.created and result.plan.status is PlanStatus.BROUILLON and result.warnings
    assert result.plan.created_by_id == planner.id


def test_a_file_does_not_move_a_plan_to_another_owner(session, koniakary_doc):
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["owner"]["pcode"] = "ML010101"
    for action in document["plan"]["actions"]:
        action["lon"] = action["lat"] = None
    error = _refused(session, document)
    assert "autre collectivité" in error.errors["plan.uuid"][0]
    assert "Koniakary" not in error.errors["plan.uuid"][0]  # the stored plan's owner is not revealed


def test_an_import_that_waits_too_long_for_the_plan_is_refused_in_french(session, app, koniakary_doc):
    """Another import of the same plan holds it (plans/core/db.serialize) past the wait allowed: the import is a
    French refusal and nothing changed, never a 500 (SQLite: its busy timeout; PostgreSQL: lock_timeout)."""
    other = db.session.session_factory()  # another transaction, as another request's
    serialize(other, f"plan-import:{koniakary_doc['plan']['uuid']}")
    try:
        before = _counts(session)
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
        else:
            session.connection().exec_driver_sql("PRAGMA busy_timeout = 200")
        with pytest.raises(ValidationError) as caught:
            planfile_import.import_document(session, koniakary_doc, None, source="plan.json")
        assert caught.value.messages == [planfile_import.MSG_BUSY]
        assert _counts(session) == before
    finally:
        other.rollback()
        other.close()
        if session.get_bind().dialect.name == "sqlite":
            session.connection().exec_driver_sql("PRAGMA busy_timeout = 10000")
    planfile_import.import_document(session, koniakary_doc, None, source="plan.json")  # free again: imported
    session.commit()
