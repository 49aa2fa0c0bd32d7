"""The bounds of plans/core/limits.py, enforced by the rules every entry point goes through (issue 14, item 3): an
action's funding lines, a plan's actions, each section's lists, long texts, a collectivité's associations; each
refusal a French message that names the limit and the count."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from plans.core import limits
from plans.core.errors import ValidationError
from plans.planning import actions as svc
from plans.planning.models import Action, DiasporaAssociation, FundingLine
from plans.planning.sectiondata import identification, migration, orientations, situation, suivi


def _line(i: int) -> dict:
    return {"source_type": "ptf", "source_name": f"Partenaire {i}", "amount": "1 000"}


def _action(lines: int, **overrides) -> dict:
    return {"sector": "sante", "title": "Extension du CSCOM", "quantity": "1", "unit_cost": "45 000 000",
            "schedule": {"2025": "45 000 000"}, "funding_lines": [_line(i) for i in range(lines)], **overrides}


def test_thirty_funding_lines_are_accepted_thirty_one_refused_with_the_count_and_the_limit(session, plan):
    svc.check(session, plan, _action(30))
    blank = {"source_type": "", "source_name": "", "amount": ""}
    svc.check(session, plan, {**_action(30), "funding_lines": [_line(i) for i in range(30)] + [blank, blank]})
    with pytest.raises(ValidationError) as refused:
        svc.check(session, plan, _action(31))
    assert refused.value.errors["funding_lines"] == [
        "Trop de lignes de financement : 31 ; la limite est de 30 par action."]


def test_expected_results_hold_two_thousand_characters(session, plan):
    svc.check(session, plan, _action(1, expected_results="x" * limits.TEXT_CELL))
    with pytest.raises(ValidationError) as refused:
        svc.check(session, plan, _action(1, expected_results="x" * 2_345))
    assert refused.value.errors["expected_results"] == [
        "Texte trop long : 2\u202f345 caractères ; la limite est de 2\u202f000 caractères."]


def _fill_with_actions(session, plan, count: int) -> None:
    session.execute(sa.insert(Action), [{"plan_id": plan.id, "uuid": f"00000000-0000-4000-8000-{i:012d}",
                                         "position": i, "sector": "sante", "title": f"Action {i}"}
                                        for i in range(count)])
    session.flush()
    session.expire(plan, ["actions"])


def test_a_plan_holds_five_hundred_actions_the_next_one_is_refused(session, plan, planner):
    _fill_with_actions(session, plan, limits.ACTIONS_PER_PLAN - 1)
    svc.create_action(session, plan, _action(1), planner)  # the 500th
    with pytest.raises(ValidationError) as refused:
        svc.create_action(session, plan, _action(1), planner)
    assert refused.value.errors[""] == [
        "Ce plan compte déjà 500 actions ; la limite est de 500 par plan : supprimez-en avant d'en ajouter."]
    with pytest.raises(ValidationError):
        svc.duplicate_action(session, plan, plan.actions[0], planner)
    assert session.scalar(sa.select(sa.func.count()).select_from(Action).where(Action.plan_id == plan.id)) == 500


def test_restoring_a_deleted_action_into_a_full_plan_is_refused(session, plan, planner):
    action = svc.create_action(session, plan, _action(1), planner)
    svc.delete_action(session, plan, action, planner)
    snapshot = svc._snapshot(action, "delete")
    _fill_with_actions(session, plan, limits.ACTIONS_PER_PLAN)
    with pytest.raises(ValidationError) as refused:
        svc.apply(session, plan, snapshot)
    assert "la limite est de 500 par plan" in refused.value.errors[""][0]


@pytest.mark.parametrize("check, data, key, message", [
    (identification.validate,
     {"title": "PDESC", "period_start": 2025, "period_end": 2029, "guide_version": "2018",
      "process_steps": [{"step": "lancement"}] * 101},
     "process_steps", "Trop d'étapes de la démarche : 101 ; la limite est de 100 par plan."),
    (situation.validate, {"population_records": [{"year": 1990 + i % 60, "value": 10, "source": "estimation",
                                                  "note": str(i)} for i in range(51)]},
     "population_records", "Trop de chiffres de population : 51 ; la limite est de 50 par plan."),
    (situation.validate, {"findings": [{"theme": "sante", "text": f"Constat {i}"} for i in range(61)]},
     "findings", "Trop de constats : 61 ; la limite est de 60 par section."),
    (migration.clean, {"destinations": [{"country": "FR", "city": f"Ville {i}"} for i in range(101)]},
     "destinations", "Trop de destinations : 101 ; la limite est de 100 par plan."),
    (migration.clean, {"codev_projects": [{"title": f"Projet {i}", "sector": "sante"} for i in range(201)]},
     "codev_projects", "Trop de projets de codéveloppement : 201 ; la limite est de 200 par plan."),
    (orientations.validate, {"axes": [{"title": f"Axe {i}"} for i in range(11)]},
     "axes", "Trop d'axes stratégiques : 11 ; la limite est de 10 par plan."),
    (orientations.validate, {"axes": [{"title": "Axe", "objectives": [{"title": f"O {i}"} for i in range(11)]}]},
     "axes-0-objectives", "Trop d'objectifs : 11 ; la limite est de 10 par axe."),
    (orientations.validate,
     {"axes": [{"title": "Axe", "objectives": [{"title": "O", "finding_ids": list(range(11))}]}]},
     "axes-0-objectives-0-findings", "Trop de constats liés : 11 ; la limite est de 10 par objectif."),
    (orientations.validate, {"criteria": [{"name": f"C {i}", "weight": 1} for i in range(11)]},
     "criteria", "Trop de critères de priorisation : 11 ; la limite est de 10 par plan."),
    (orientations.validate, {"priorities": [{"title": f"P {i}"} for i in range(201)]},
     "priorities", "Trop de priorités : 201 ; la limite est de 200 par plan."),
    (lambda d: suivi.validate(d, [2025]), {"indicators": [{"category": "sectoriel", "name": f"I {i}"}
                                                          for i in range(201)]},
     "indicators", "Trop d'indicateurs : 201 ; la limite est de 200 par plan."),
])
def test_each_list_of_a_section_is_bounded(check, data, key, message):
    with pytest.raises(ValidationError) as refused:
        check(data)
    assert refused.value.errors[key] == [message]


def test_a_plan_holds_5000_funding_lines(session, plan, planner):
    action = svc.create_action(session, plan, _action(1), planner)
    lines = [{"action_id": action.id, "position": i, "source_type": "ptf", "amount": 1}
             for i in range(limits.FUNDING_LINES_PER_PLAN - 1)]
    _fill_with_actions(session, plan, 1)
    other = session.scalar(sa.select(Action).where(Action.plan_id == plan.id, Action.id != action.id))
    session.execute(sa.insert(FundingLine), [{**line, "action_id": other.id} for line in lines])
    session.flush()
    svc.update_action(session, plan, action, _action(1), action.version_id, planner)  # 4 999 + 1
    with pytest.raises(ValidationError) as refused:
        svc.update_action(session, plan, action, _action(2), action.version_id, planner)
    assert refused.value.errors["funding_lines"] == [
        "Trop de lignes de financement : 5\u202f001 ; la limite est de 5\u202f000 par plan."]
    with pytest.raises(ValidationError):
        svc.create_action(session, plan, _action(1), planner)


def test_blank_rows_of_a_form_do_not_count(session):
    blank = {"country": "", "city": "", "count": "", "trend": "inconnue"}
    data = {"destinations": [{"country": "FR", "city": f"Ville {i}"} for i in range(100)] + [blank] * 2}
    assert len(migration.clean(data)["destinations"]) == 100


@pytest.mark.parametrize("check, data, key, length, limit", [
    (situation.validate, {"sector_diagnostics": [{"sector": "sante", "assets": "a" * 10_001}]},
     "sector_diagnostics-0-assets", "10\u202f001", "10\u202f000"),
    (situation.validate, {"findings": [{"theme": "sante", "text": "a" * 2_001}]}, "findings-0-text",
     "2\u202f001", "2\u202f000"),
    (migration.clean, {"remittance_uses": "a" * 10_001}, "remittance_uses", "10\u202f001", "10\u202f000"),
    (identification.validate, {"title": "PDESC", "period_start": 2025, "period_end": 2029, "guide_version": "2018",
                               "summary": "a" * 10_001}, "summary", "10\u202f001", "10\u202f000"),
    (orientations.validate, {"axes": [{"title": "Axe", "general_objective": "a" * 2_001}]},
     "axes-0-general_objective", "2\u202f001", "2\u202f000"),
])
def test_long_texts_are_bounded(check, data, key, length, limit):
    with pytest.raises(ValidationError) as refused:
        check(data)
    assert refused.value.errors[key] == [f"Texte trop long : {length} caractères ; la limite est de {limit} "
                                         "caractères."]


def test_a_collectivite_holds_two_hundred_diaspora_associations(session, koniakary_owner, plan):
    session.add_all(DiasporaAssociation(owner_id=koniakary_owner.id, name=f"Association {i}", host_country="FR")
                    for i in range(200))
    session.flush()
    with pytest.raises(ValidationError) as refused:
        migration.create_association(session, koniakary_owner, {"name": "Une de plus", "host_country": "FR"})
    assert "200 associations de la diaspora ; la limite est de 200" in refused.value.errors[""][0]
    with pytest.raises(ValidationError) as on_a_line:  # nor through a funding line that names a new one
        svc.check(session, plan, _action(0, funding_lines=[
            {"source_type": "association_diaspora", "new_association_name": "Une de plus",
             "new_association_country": "FR", "amount": "1 000"}]))
    assert "la limite est de 200" in on_a_line.value.errors["funding_lines-0-new_association_name"][0]
