"""Section 5 — Actions (PIP): plans/planning/actions.py (rules, one-by-one saves, history snapshots, restore)."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from plans.core.errors import ConflictError, ValidationError
from plans.planning import actions as svc
from plans.planning import sections
from plans.planning import service as plan_service
from plans.planning.finance import action_figures
from plans.planning.models import Action, Axis, DiasporaAssociation, FundingLine, Objective, PlanChange, ScheduleEntry


@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary", period_start=2025,
                                    user=planner)
    session.flush()
    return plan


@pytest.fixture
def enndam(session, koniakary_owner):
    association = DiasporaAssociation(owner=koniakary_owner, name="Enndam Jombuku", host_country="FR")
    session.add(association)
    session.flush()
    return association


def cscom(enndam, **overrides):
    data = {
        "sector": "sante", "title": "Extension du CSCOM", "localities": "Koniakary", "quantity": "1",
        "unit": "bâtiment", "unit_cost": "45 000 000", "tags": ["diaspora"], "status": "prevu",
        "schedule": {"2025": "20 000 000", "2026": "25.000.000", "2027": ""},
        "funding_lines": [
            {"source_type": "programme_codev", "source_name": "Programme CTC", "share_pct": "70"},
            {"source_type": "", "source_name": "", "amount": "", "share_pct": ""},  # a blank row of the form
            {"source_type": "association_diaspora", "association_id": str(enndam.id), "share_pct": "10 %",
             "status": "acquis"},
            {"source_type": "budget_communal", "amount": "9000000", "in_kind": "y"},
        ],
    }
    data.update(overrides)
    return data


def changes(session, plan):
    query = sa.select(PlanChange).where(PlanChange.plan_id == plan.id, PlanChange.section == "actions")
    return list(session.scalars(query.order_by(PlanChange.id)))


def test_create_with_lines_and_schedule(session, plan, enndam, planner):
    action = svc.create_action(session, plan, cscom(enndam), planner)
    session.commit()
    assert action.id and action.uuid and action.position == 0 and action.version_id == 1
    assert action.unit_cost == 45_000_000 and action.quantity == Decimal(1) and action.tags == "diaspora"
    assert {e.year: e.amount for e in action.schedule} == {2025: 20_000_000, 2026: 25_000_000}
    lines = action.funding_lines
    assert [ln.source_type for ln in lines] == ["programme_codev", "association_diaspora", "budget_communal"]
    assert lines[1].association_id == enndam.id and lines[1].share_pct == Decimal(10) and lines[1].status == "acquis"
    assert lines[2].amount == 9_000_000 and lines[2].in_kind is True and lines[2].status == "promis"
    figures = action_figures(action, plan.years)
    assert figures.total == 45_000_000 and figures.funded == 45_000_000 and not figures.errors
    (change,) = changes(session, plan)
    assert change.summary == "Action « Extension du CSCOM » ajoutée"
    assert change.snapshot["action_uuid"] == action.uuid and change.snapshot["operation"] == "create"
    assert change.snapshot["schedule"] == {"2025": 20_000_000, "2026": 25_000_000}
    assert change.snapshot["funding_lines"][1]["association_name"] == "Enndam Jombuku"
    assert sections.current_version(session, plan, "actions") == 1
    second = svc.create_action(session, plan, cscom(enndam, title="Maternité"), planner)
    assert second.position == 1


def test_validation_messages_are_keyed_by_form_field(session, plan, enndam):
    data = cscom(enndam, title=" ", sector="", quantity="0", unit_cost="45 000 000,50",
                 schedule={"2025": "-5", "2031": "1 000"},
                 funding_lines=[{"source_type": "programme_codev", "share_pct": "170"},
                                {},
                                {"source_type": "association_diaspora", "share_pct": "10"},
                                {"source_type": "inconnue", "amount": "1 500 000"}])
    with pytest.raises(ValidationError) as caught:
        svc.create_action(session, plan, data)
    errors = caught.value.errors
    assert errors["title"] == ["Donnez l'intitulé de l'action."]
    assert errors["sector"] == ["Choisissez le secteur de l'action."]
    assert errors["unit_cost"] == ["Les montants sont en FCFA entiers, sans centimes."]
    assert errors["schedule-2025"] == ["Le montant ne peut pas être négatif."]
    assert errors["funding_lines-0-share_pct"] == ["La part doit être comprise entre 0 et 100 %."]
    # Row indices are the form's (the blank row 1 is skipped but still counted).
    assert errors["funding_lines-2-association_id"] == [
        "Choisissez l'association de la diaspora enregistrée qui finance cette ligne."]
    assert errors["funding_lines-3-source_type"] == ["Choisissez la source de financement."]
    # The cost could not be read: no misleading schedule/financing message measured against it.
    assert "schedule" not in errors and "funding_lines" not in errors
    assert session.scalar(sa.select(sa.func.count(Action.id))) == 0


def test_finance_errors_refuse_the_save_but_a_gap_does_not(session, plan, enndam):
    with pytest.raises(ValidationError) as caught:
        svc.create_action(session, plan, cscom(enndam, quantity="0"))
    assert caught.value.errors["quantity"] == ["La quantité doit être supérieure à zéro."]

    with pytest.raises(ValidationError) as caught:
        svc.create_action(session, plan, cscom(enndam, schedule={"2025": "20 000 000"}))
    assert caught.value.errors["schedule"] == [
        "La programmation annuelle (20\u202f000\u202f000\u00a0FCFA) ne correspond pas au coût total "
        "(45\u202f000\u202f000\u00a0FCFA) : écart de 25\u202f000\u202f000\u00a0FCFA."]

    with pytest.raises(ValidationError) as caught:
        svc.create_action(session, plan, cscom(enndam, schedule={"2024": "45 000 000"}))
    assert caught.value.errors["schedule-2024"] == ["L'année 2024 est hors de la période du plan (2025–2029)."]

    over = cscom(enndam)
    over["funding_lines"][3]["amount"] = "19 000 000"
    with pytest.raises(ValidationError) as caught:
        svc.create_action(session, plan, over)
    assert caught.value.errors["funding_lines"][0].startswith("Les financements (55\u202f000\u202f000\u00a0FCFA) "
                                                              "dépassent le coût total")

    with pytest.raises(ValidationError) as caught:
        svc.create_action(session, plan, cscom(enndam, total_override="40 000 000",
                                               schedule={"2025": "40 000 000"}))
    assert "override_reason" in caught.value.errors

    with pytest.raises(ValidationError) as caught:
        svc.create_action(session, plan, cscom(enndam, objective_id="999", lon="-10,9"))
    assert caught.value.errors["objective_id"] == [svc.MSG_OBJECTIVE]
    assert caught.value.errors["lat"] == [svc.MSG_LOCATION_PAIR]

    # The CSCOM under the CTC scheme: 70 % of 45 000 000 is above the programme's 30 000 000 ceiling.
    with pytest.raises(ValidationError) as caught:
        svc.create_action(session, plan, cscom(enndam, cofinancing_scheme="diaspora_ctc"))
    assert any("plafond de 30\u202f000\u202f000\u00a0FCFA" in m for m in caught.value.errors["cofinancing_scheme"])

    # Half funded: the gap is "à rechercher", not an error.
    half = cscom(enndam, funding_lines=[{"source_type": "budget_communal", "amount": "5 000 000"}])
    action = svc.create_action(session, plan, half)
    figures = action_figures(action, plan.years)
    assert figures.gap == 40_000_000 and not figures.errors


def test_scheme_share_still_missing_is_a_warning_only(session, plan, enndam):
    data = cscom(enndam, unit_cost="40 000 000", cofinancing_scheme="diaspora_ctc",
                 schedule={"2025": "40 000 000"},
                 funding_lines=[{"source_type": "programme_codev", "share_pct": "70"},
                                {"source_type": "budget_communal", "share_pct": "20"}])
    cleaned, figures = svc.check(session, plan, data)
    assert not figures.errors and figures.gap == 4_000_000
    warnings = svc.remapped_warnings(figures, cleaned.line_rows)
    assert "Diaspora" in warnings["cofinancing_scheme"][0]


def test_update_records_what_changed_and_checks_the_version(session, plan, enndam, planner):
    action = svc.create_action(session, plan, cscom(enndam), planner)
    session.commit()
    data = svc.dump_action(action)
    data["unit_cost"] = "50 000 000"
    data["schedule"] = {"2025": "25 000 000", "2026": "25 000 000"}
    data["funding_lines"][2]["amount"] = 10_000_000
    svc.update_action(session, plan, action, data, expected_version=1, user=planner)
    session.commit()
    assert action.version_id == 2 and action.unit_cost == 50_000_000
    last = changes(session, plan)[-1]
    assert last.summary == \
        "Action « Extension du CSCOM » modifiée : coût unitaire, programmation annuelle, financements"
    assert last.snapshot["unit_cost"] == 50_000_000 and last.snapshot["operation"] == "update"

    with pytest.raises(ConflictError):  # a second tab still holding version 1
        svc.update_action(session, plan, action, data, expected_version="1")
    with pytest.raises(ConflictError):
        svc.update_action(session, plan, action, data, expected_version=None)


def test_a_concurrent_write_is_caught_by_the_versioned_update(session, plan, enndam):
    action = svc.create_action(session, plan, cscom(enndam))
    session.commit()
    # Someone else saved in between: the row's version moved on behind this session's back.
    session.execute(sa.text("UPDATE action SET version_id = 7 WHERE id = :id"), {"id": action.id})
    data = svc.dump_action(action)
    data["title"] = "CSCOM agrandi"
    with pytest.raises(ConflictError):
        svc.update_action(session, plan, action, data, expected_version=action.version_id)
    session.rollback()


def test_duplicate_copies_lines_and_schedule_with_a_new_uuid(session, plan, enndam, planner):
    first = svc.create_action(session, plan, cscom(enndam), planner)
    last = svc.create_action(session, plan, cscom(enndam, title="Tata"), planner)
    session.commit()
    copy = svc.duplicate_action(session, plan, first, planner)
    session.commit()
    assert copy.uuid != first.uuid and copy.title == "Extension du CSCOM (copie)"
    assert [a.title for a in plan.actions] == ["Extension du CSCOM", "Extension du CSCOM (copie)", "Tata"]
    assert [a.position for a in plan.actions] == [0, 1, 2]
    assert {e.year: e.amount for e in copy.schedule} == {e.year: e.amount for e in first.schedule}
    assert [(ln.source_type, ln.association_id, ln.amount, ln.share_pct, ln.in_kind) for ln in copy.funding_lines] == \
        [(ln.source_type, ln.association_id, ln.amount, ln.share_pct, ln.in_kind) for ln in first.funding_lines]
    assert {ln.id for ln in copy.funding_lines}.isdisjoint({ln.id for ln in first.funding_lines})
    assert last.version_id == 1  # renumbering others is not a change of them
    assert changes(session, plan)[-1].summary == \
        "Action « Extension du CSCOM » dupliquée en « Extension du CSCOM (copie) »"


def test_move_up_and_down(session, plan, enndam):
    a, b, c = (svc.create_action(session, plan, cscom(enndam, title=t)) for t in "ABC")
    session.commit()
    assert svc.move_action(session, plan, c, -1) is True
    session.commit()
    assert [x.title for x in plan.actions] == ["A", "C", "B"]
    assert svc.move_action(session, plan, a, +1) is True
    session.commit()
    assert [x.title for x in plan.actions] == ["C", "A", "B"]
    assert svc.move_action(session, plan, c, -1) is False  # already first: nothing recorded
    assert svc.move_action(session, plan, b, +1) is False
    assert changes(session, plan)[-1].summary == "Action « A » déplacée : n°1 → n°2"
    assert b.version_id == 1


def test_delete_then_restore_from_history(session, plan, enndam, planner):
    a = svc.create_action(session, plan, cscom(enndam, title="A"))
    b = svc.create_action(session, plan, cscom(enndam, title="B"))
    svc.create_action(session, plan, cscom(enndam, title="C"))
    session.commit()
    uuid = b.uuid
    svc.delete_action(session, plan, b, planner)
    session.commit()
    assert [(x.title, x.position) for x in plan.actions] == [("A", 0), ("C", 1)]
    deleted = changes(session, plan)[-1]
    assert deleted.summary == "Action « B » supprimée" and deleted.snapshot["operation"] == "delete"
    assert session.scalar(sa.select(sa.func.count(FundingLine.id))) == 6
    assert session.scalar(sa.select(sa.func.count()).select_from(ScheduleEntry)) == 4

    # What the history's restore route does with the change.
    summary = svc.apply(session, plan, deleted.snapshot)
    snapshot = svc.dump(plan)
    session.commit()
    assert summary == "Action « B » rétablie"
    assert [(x.title, x.position) for x in plan.actions] == [("A", 0), ("B", 1), ("C", 2)]
    restored = plan.actions[1]
    assert restored.uuid == uuid and len(restored.funding_lines) == 3 and len(restored.schedule) == 2
    assert restored.funding_lines[1].association_id == enndam.id
    assert snapshot["action_uuid"] == uuid and snapshot["operation"] == "restore"
    assert a.version_id == 1


def test_dump_apply_round_trip_restores_an_earlier_state(session, plan, enndam, koniakary_owner):
    axis = Axis(plan_id=plan.id, title="Services sociaux", position=0,
                objectives=[Objective(title="Santé de proximité", position=0)])
    session.add(axis)
    session.flush()
    data = cscom(enndam, objective_id=str(axis.objectives[0].id), lon="-10,95", lat="14.57",
                 location_precision="approximative", total_override="44 000 000", override_reason="Devis",
                 schedule={"2025": "44 000 000"},
                 funding_lines=[{"source_type": "association_diaspora", "association_id": enndam.id,
                                 "amount": "4 400 000"}])
    action = svc.create_action(session, plan, data)
    session.commit()
    before = svc.dump_action(action)
    assert before["lon"] == -10.95 and before["quantity"] == "1" and before["total_override"] == 44_000_000

    changed = dict(before, title="Autre", unit_cost=1, total_override=None, override_reason="", objective_id=None,
                   schedule={"2026": 1}, funding_lines=[], tags=[], lon=None, lat=None)
    svc.update_action(session, plan, action, changed, expected_version=action.version_id)
    session.commit()
    assert svc.apply(session, plan, before).startswith("Action « Extension du CSCOM » modifiée : ")
    session.commit()
    after = svc.dump_action(action)
    assert after == before
