import pytest

from plans.core.errors import ConflictError, ValidationError
from plans.planning import sections
from plans.planning import service as plan_service
from plans.planning.sectiondata import identification


def test_a_plan_lasts_five_years_by_default(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary", period_start=2025,
                                    user=planner)
    assert (plan.period_start, plan.period_end) == (2025, 2029)
    assert plan.years == [2025, 2026, 2027, 2028, 2029]
    assert plan.status.value == "brouillon" and len(plan.uuid) == 36


def test_a_three_year_cross_border_plan_is_allowed(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="Plan", period_start=2025, period_end=2027,
                                    user=planner)
    assert plan.years == [2025, 2026, 2027]


@pytest.mark.parametrize("start, end, field, message", [
    (None, None, "period_start", "Indiquez l'année de début du plan."),
    (1990, 1994, "period_start", "L'année de début doit être comprise entre 2000 et 2100."),
    (2025, 2024, "period_end", "L'année de fin doit suivre l'année de début."),
    (2025, 2040, "period_end", "Un plan couvre au plus 10 ans."),
])
def test_period_rules(session, planner, koniakary_owner, start, end, field, message):
    with pytest.raises(ValidationError) as caught:
        plan_service.create_plan(session, owner=koniakary_owner, title="Plan", period_start=start, period_end=end,
                                 user=planner)
    assert caught.value.errors[field] == [message]


def test_a_planner_cannot_create_a_plan_for_another_owner(session, make_user):
    from plans.owners import service as owners_service

    other = owners_service.commune_owner(session, "ML010101")
    stranger = make_user("planner", owners=[owners_service.commune_owner(session, "ML010115")])
    with pytest.raises(ValidationError) as caught:
        plan_service.create_plan(session, owner=other, title="Plan", period_start=2025, user=stranger)
    assert "owner" in caught.value.errors


def _save_identification(session, plan, user, version, **changes):
    data = {**identification.dump(plan), **changes}
    return sections.save_section(session, plan, "identification", version, user,
                                 apply=lambda: identification.apply(session, plan, data),
                                 snapshot=lambda: identification.dump(plan))


def test_a_stale_version_is_refused_and_nothing_changes(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="Titre A", period_start=2025, user=planner)
    _save_identification(session, plan, planner, 0, title="Titre B")
    session.commit()
    with pytest.raises(ConflictError):
        _save_identification(session, plan, planner, 0, title="Titre C")
    session.rollback()
    assert plan.title == "Titre B"
    assert sections.current_version(session, plan, "identification") == 1


def test_rows_keep_their_identity_when_a_section_is_saved_again(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="Plan", period_start=2025, user=planner)
    steps = [{"step": "lancement", "place": "Koniakary", "men": 30, "women": 25},
             {"step": "diagnostic_migratoire", "place": "Montreuil", "place_country": "FR", "diaspora": 40}]
    _save_identification(session, plan, planner, 0, process_steps=steps)
    session.commit()
    first_ids = [s.id for s in plan.process_steps]
    dumped = identification.dump(plan)["process_steps"]
    dumped[1]["diaspora"] = 45
    _save_identification(session, plan, planner, 1, process_steps=dumped[1:])
    session.commit()
    assert [s.id for s in plan.process_steps] == first_ids[1:]
    assert plan.process_steps[0].diaspora == 45 and plan.process_steps[0].place_country == "FR"


def test_every_save_is_in_the_history_and_can_be_restored(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="Premier titre", period_start=2025,
                                    user=planner)
    first = _save_identification(session, plan, planner, 0, facilitators="ADR Kayes")
    _save_identification(session, plan, planner, 1, title="Second titre", facilitators="")
    session.commit()
    changes = sections.history(session, plan)
    assert [c.summary for c in changes][0].startswith("Modifié : titre, facilitateurs")
    _save_identification(session, plan, planner, 2, **{k: v for k, v in first.snapshot.items() if k != "process_steps"})
    session.commit()
    assert (plan.title, plan.facilitators) == ("Premier titre", "ADR Kayes")
    assert len(sections.history(session, plan)) == 3
