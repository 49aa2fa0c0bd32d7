"""A masked site in the plan file and the diff, below the web (issue 14, item 2): the file withholds the point from a
reader who may not see it and says so; an import keeps the point it does not carry; the Word annex of changes
never shows one (plans/accounts/access.py `can_see_masked_location`, plans/planning/location.py)."""
import copy
from datetime import datetime

import pytest
import sqlalchemy as sa

from plans.accounts import access
from plans.accounts.models import Role
from plans.core.errors import ValidationError
from plans.demo import data as D
from plans.planning.models import Plan, PlanStatus
from plans.review import diff as plandiff
from plans.review import planfile, planfile_import
from plans.review.models import PlanSnapshot

POINT = (-10.9111, 14.5999)


@pytest.fixture
def tc1(session, demo_cases):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    action = plan.actions[0]
    action.lon, action.lat, action.location_precision = *POINT, "masquee"
    session.commit()
    return plan


def test_who_may_see_a_masked_point(session, tc1, make_user, planner):
    """Koniakary's planner and an administrator; not a reviewer, not another owner's planner, not an output made
    for anyone."""
    reviewer, admin = make_user(Role.REVIEWER), make_user(Role.ADMIN)
    sicm = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC2_UUID))
    other = make_user(Role.PLANNER, owners=[sicm.owner])
    assert tc1.owner in planner.owners and other.owners != planner.owners
    assert [access.can_see_masked_location(u, tc1.owner) for u in (planner, admin, reviewer, other, access.PUBLIC)] \
        == [True, True, False, False, False]


def test_the_file_for_a_reader_who_may_not_see_it_withholds_the_point_and_says_so(session, tc1, make_user):
    withheld = planfile.export_for(session, tc1, make_user(Role.REVIEWER))
    row = withheld["plan"]["actions"][0]
    assert (row["lon"], row["lat"], row["location_precision"], row["location_withheld"]) == \
        (None, None, "masquee", True)
    assert list(row)[list(row).index("location_precision") + 1] == "location_withheld"
    assert all("location_withheld" not in r for r in withheld["plan"]["actions"][1:])
    planfile.check_schema(withheld)
    full = planfile.export_for(session, tc1, make_user(Role.ADMIN))
    assert (full["plan"]["actions"][0]["lon"], full["plan"]["actions"][0]["lat"]) == POINT
    assert planfile.without_timestamp(full) == planfile.without_timestamp(planfile.export_document(session, tc1))


def test_an_import_keeps_the_point_a_file_withheld_and_a_new_action_gets_none(session, tc1, make_user):
    document = planfile.export_for(session, tc1, make_user(Role.REVIEWER))
    result = planfile_import.import_document(session, copy.deepcopy(document), None, source="plan.json")
    session.commit()
    assert (result.plan.actions[0].lon, result.plan.actions[0].lat) == POINT and result.warnings == []

    # Into a server that does not hold the plan: the action comes without a point, and the import says so.
    session.delete(tc1)
    session.commit()
    result = planfile_import.import_document(session, document, None, source="plan.json")
    session.commit()
    assert (result.plan.actions[0].lon, result.plan.actions[0].lat) == (None, None)
    assert result.plan.actions[0].location_precision == "masquee"
    assert any("ne contient pas les coordonnées de ce site sensible" in w for w in result.warnings)


def test_a_file_over_an_adopted_plan_opens_the_next_revision_with_the_points_it_withheld(session, tc1, make_user):
    document = planfile.export_for(session, tc1, make_user(Role.REVIEWER))
    tc1.status = PlanStatus.ADOPTE
    session.commit()
    result = planfile_import.import_document(session, document, None, source="plan.json")
    session.commit()
    assert result.new_revision and result.plan.revision == 2
    assert (result.plan.actions[0].lon, result.plan.actions[0].lat) == POINT and result.warnings[1:] == []


@pytest.mark.parametrize("change", [{"location_precision": "exacte"}, {"lon": POINT[0], "lat": POINT[1]}])
def test_a_withheld_mark_beside_a_point_or_an_open_location_is_refused(session, tc1, make_user, change):
    document = planfile.export_for(session, tc1, make_user(Role.REVIEWER))
    document["plan"]["actions"][0].update(change)
    with pytest.raises(ValidationError) as caught:
        planfile_import.import_document(session, document, None, source="plan.json")
    assert "ne va qu'avec une localisation masquée" in caught.value.errors["plan.actions[0].location_withheld"][0]


def test_the_word_annex_of_changes_never_shows_a_masked_point(session, tc1):
    """The adopted version had the site placed in full; it is masked since: the annex says the location changed,
    with neither point (the council's document is published)."""
    action = tc1.actions[0]
    action.location_precision = "exacte"
    adopted = planfile.export_document(session, tc1)
    action.location_precision = "masquee"
    action.lon = POINT[0] + 0.001
    session.add(PlanSnapshot(plan_id=tc1.id, kind="adopte", label="Adopté", at=datetime(2026, 1, 10),
                             document=adopted))
    session.commit()
    text = " | ".join(plandiff.changes_since_adoption(session, tc1))
    assert "localisation" in text and "coordonnées non communiquées" in text and "Masquée" in text
    assert "14,5999" not in text and "10,91" not in text
    revealed = " | ".join(plandiff.diff_documents(adopted, planfile.export_document(session, tc1),
                                                  reveal_masked=True).lines())
    assert "14,5999, -10,9111 (point exact)" in revealed and "-10,9101 (masquée (site sensible))" in revealed
