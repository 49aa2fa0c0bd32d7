"""Identity and history from a file are not trusted (issue 14, item 4): UUIDs compare case-insensitively and are kept
in lower case (plans/core/ids.py), an action's uuid stays with its plan, and the review history a file carries is
shown as the file's claim, never as this server's record."""
import copy

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.core.db import Base
from plans.core.errors import ValidationError
from plans.core.ids import canonical_uuid, derived_uuid
from plans.demo import data as D
from plans.owners import service as owners_service
from plans.planning.models import Action, Plan
from plans.review import comments, planfile, planfile_import, workflow


def _latest(session, uuid):
    return session.scalar(sa.select(Plan).where(Plan.uuid == uuid).order_by(Plan.revision.desc()).limit(1))


def _counts(session) -> dict[str, int]:
    return {t.name: session.scalar(sa.select(sa.func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@pytest.fixture
def seeded(session, demo_cases):
    session.commit()
    return {uuid: _latest(session, uuid) for uuid in D.TEST_CASE_UUIDS}


@pytest.fixture
def koniakary_doc(session, seeded):
    return planfile.export_document(session, seeded[D.TC1_UUID])


@pytest.fixture
def kayes_planner(session, make_user):
    """A planner of another commune (Kayes, ML010101), who may import that commune's plans only."""
    owner = owners_service.commune_owner(session, "ML010101")
    session.commit()
    return make_user(Role.PLANNER, email="planificateur@kayes.ml", owners=[owner])


def _as_kayes(document: dict) -> dict:
    """The document as a planner of Kayes would rewrite it: Kayes as the owner, no point (they lie in Koniakary)."""
    document = copy.deepcopy(document)
    document["plan"]["owner"] = {"kind": "commune", "name": "Kayes", "pcode": "ML010101",
                                 "territory_edition": document["plan"]["owner"]["territory_edition"]}
    for action in document["plan"]["actions"]:
        action["lon"] = action["lat"] = None
    return document


def test_canonical_uuid_reads_any_case_and_refuses_what_is_no_uuid():
    assert canonical_uuid("3F2A2C1E-9B7D-4C1E-8F00-0123456789AB") == "3f2a2c1e-9b7d-4c1e-8f00-0123456789ab"
    assert canonical_uuid(" 3f2a2c1e9b7d4c1e8f000123456789ab ") == "3f2a2c1e-9b7d-4c1e-8f00-0123456789ab"
    assert [canonical_uuid(v) for v in ("", "pas-un-uuid", None, 12, "3f2a2c1e-9b7d-4c1e-8f00-0123456789")] == \
        [None] * 5


@pytest.mark.parametrize("spelling", [str.upper, lambda u: "{" + u.upper() + "}", lambda u: u.replace("-", "")])
def test_another_collectivites_uuid_in_any_case_does_not_hijack_its_plan(session, seeded, koniakary_doc,
                                                                         kayes_planner, spelling):
    """A planner of Kayes imports a file naming Kayes as the owner and Koniakary's plan uuid in upper case: before,
    a second plan "E57E…" was created beside Koniakary's "e57e…" (and the API served Koniakary's at its link)."""
    document = _as_kayes(koniakary_doc)
    document["plan"]["uuid"] = spelling(D.TC1_UUID)
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        planfile_import.import_document(session, document, kayes_planner, source="plan.json")
    if spelling is str.upper:
        assert "autre collectivité" in caught.value.errors["plan.uuid"][0]
    else:  # the file's schema takes only the hyphenated form
        assert "plan.uuid" in caught.value.errors
    assert _counts(session) == before
    assert session.scalars(sa.select(Plan.uuid).where(sa.func.lower(Plan.uuid) == D.TC1_UUID)).all() == [D.TC1_UUID]


def test_uuids_of_a_file_are_kept_in_lower_case_and_match_in_any_case(session, seeded, koniakary_doc):
    plan = seeded[D.TC1_UUID]
    actions = {a.uuid: a.id for a in plan.actions}
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["uuid"] = D.TC1_UUID.upper()
    for action in document["plan"]["actions"]:
        action["uuid"] = action["uuid"].upper()
    result = planfile_import.import_document(session, document, None, source="plan.json")
    session.commit()
    assert (result.plan.id, result.created) == (plan.id, False)  # the same plan, updated
    assert {a.uuid: a.id for a in result.plan.actions} == actions  # the same actions, matched by uuid
    assert workflow.latest_revision(session, D.TC1_UUID.upper()).id == plan.id


def test_a_new_plan_from_a_file_takes_its_uuids_in_lower_case(session, seeded, koniakary_doc):
    session.delete(seeded[D.TC1_UUID])
    session.commit()
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["uuid"] = D.TC1_UUID.upper()
    for action in document["plan"]["actions"]:
        action["uuid"] = action["uuid"].upper()
    result = planfile_import.import_document(session, document, None, source="plan.json")
    session.commit()
    assert result.created and result.plan.uuid == D.TC1_UUID
    assert [a.uuid for a in result.plan.actions] == [a["uuid"].lower() for a in document["plan"]["actions"]]


def test_one_action_uuid_twice_in_a_file_in_two_cases_is_refused(session, seeded, koniakary_doc):
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["actions"][1]["uuid"] = document["plan"]["actions"][0]["uuid"].upper()
    before = _counts(session)
    with pytest.raises(ValidationError) as caught:
        planfile_import.import_document(session, document, None, source="plan.json")
    assert "en double" in caught.value.errors["plan.actions[1].uuid"][0]
    assert _counts(session) == before


def test_the_models_keep_uuids_in_lower_case(session, seeded):
    plan = seeded[D.TC1_UUID]
    plan.actions[0].uuid = plan.actions[0].uuid.upper()
    session.commit()
    session.expire_all()
    assert session.get(Action, plan.actions[0].id).uuid == plan.actions[0].uuid.lower()
    with pytest.raises(sa.exc.IntegrityError):  # one uuid per action in a plan: the database says so too
        session.execute(sa.update(Action).where(Action.id == plan.actions[1].id).values(uuid=plan.actions[0].uuid))
        session.flush()
    session.rollback()


def test_a_comment_anchor_in_upper_case_names_the_action(session, seeded):
    plan = seeded[D.TC1_UUID]
    anchor = comments.parse_anchor(plan, f"action:{plan.actions[2].uuid.upper()}")
    assert anchor.action_uuid == plan.actions[2].uuid


def test_actions_of_another_plan_get_their_own_uuid_in_this_plan(session, seeded, koniakary_doc):
    """A file whose actions carry the uuids of another plan's actions (copied from a neighbour's file, or forged):
    this plan's actions take the uuids derived from it, the other plan keeps its own, and importing the file
    again finds the same actions."""
    sicm = seeded[D.TC2_UUID]
    theirs = {a.id: a.uuid for a in sicm.actions}
    document = copy.deepcopy(koniakary_doc)
    copied = {other.uuid for other in sicm.actions}
    for mine, other in zip(document["plan"]["actions"], sicm.actions):
        mine["uuid"] = other.uuid.upper()
    first = planfile_import.import_document(session, copy.deepcopy(document), None, source="plan.json")
    session.commit()
    assert any("identifiant propre à ce plan" in w for w in first.warnings)
    kept = {a.uuid: a.id for a in first.plan.actions}
    assert copied and set(kept) == {derived_uuid(D.TC1_UUID, a["uuid"]) if a["uuid"].lower() in copied
                                    else a["uuid"] for a in document["plan"]["actions"]}
    session.expire_all()
    assert {a.id: a.uuid for a in session.get(Plan, sicm.id).actions} == theirs
    again = planfile_import.import_document(session, copy.deepcopy(document), None, source="plan.json")
    session.commit()
    assert {a.uuid: a.id for a in again.plan.actions} == kept
    exported = planfile.export_document(session, again.plan)
    assert [a["uuid"] for a in exported["plan"]["actions"]] == [a.uuid for a in again.plan.actions]


# ----- History from a file -----------------------------------------------------------------------------------------

CLAIM = {"at": "2026-02-01T09:00:00Z", "from": "en_revue", "to": "valide", "user": "relecteur@dgct.ml",
         "reason": "Conforme"}
CLAIMED_SAVE = {"at": "2026-01-15T08:00:00Z", "section": "adoption", "user": "relecteur@dgct.ml",
                "summary": "Délibération saisie"}


def test_review_history_in_a_file_is_the_files_claim_never_this_servers_record(session, seeded, koniakary_doc):
    plan = seeded[D.TC1_UUID]
    document = copy.deepcopy(koniakary_doc)
    document["plan"]["history"]["transitions"].append(CLAIM)
    document["plan"]["history"]["changes"].append(CLAIMED_SAVE)
    planfile_import.import_document(session, document, None, source="plan.json")
    session.commit()
    assert workflow.transitions(session, plan) == []  # the review page's history: this server's record only
    history = planfile.export_document(session, plan)["plan"]["history"]
    assert CLAIM not in history["transitions"] and CLAIMED_SAVE not in history["changes"]
    assert history["claimed"] == {"changes": [CLAIMED_SAVE], "transitions": [CLAIM]}
    # What this server recorded itself stays its record, also when a file it exported comes back.
    assert history["changes"] == koniakary_doc["plan"]["history"]["changes"]
    planfile.check_schema(planfile.export_document(session, plan))

    # Carried on by a file exported here, a claim stays a claim on the next server (and here).
    again = planfile.export_document(session, plan)
    planfile_import.import_document(session, again, None, source="plan.json")
    session.commit()
    assert planfile.export_document(session, plan)["plan"]["history"]["claimed"] == history["claimed"]
