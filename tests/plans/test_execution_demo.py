"""The demo's execution (plans/demo/execution.py): a new installation shows Koniakary's plan adopted through the
review, with its 2025 execution — realised, in progress and abandoned actions, the diaspora's promise partly paid."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from plans.demo import data as D
from plans.demo import execution as demo_execution
from plans.demo import seed as demo
from plans.execution import figures, measures, service
from plans.planning import finance
from plans.planning.models import Plan, PlanStatus
from plans.review import workflow


def test_a_new_installation_has_koniakary_adopted_and_its_2025_execution(session):
    report = demo.seed_new_install(session)
    session.commit()
    assert report.execution.startswith("PDESC de la commune de Koniakary 2025-2029 : adopté")
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan = session.get(Plan, plan.id, options=finance.load_options(), populate_existing=True)
    assert plan.status is PlanStatus.ADOPTE and plan.deliberation_number == "07/CC-KNK-2024"
    assert [(t.from_status, t.to_status) for t in workflow.transitions(session, plan)] == [
        ("brouillon", "soumis"), ("soumis", "en_revue"), ("en_revue", "valide"), ("valide", "adopte")]

    ex = figures.plan_execution(plan, service.records(session, plan), 2025)
    assert [(a.action.title, a.status, a.progress) for a in ex.actions] == [
        ("Extension du CSCOM", "realise", 100), ("Adduction d'eau potable du quartier Khasso", "en_cours", 25),
        ("Centre de formation des jeunes et des migrants de retour", "prevu", 0),
        ("Restauration du Tata", "abandonne", 5)]
    assert ex.actions[0].record.functioning == "fonctionnel"
    assert [(r.name, r.promised, r.mobilised, r.paid) for r in ex.diaspora] == [
        ("Enndam Jombuku", 15_500_000, 2_500_000, 2_500_000)]
    # Paid: 43 000 000 (CSCOM) + 17 000 000 (Khasso) + 1 000 000 (Tata) = 61 000 000 of 160 000 000.
    assert (ex.paid, ex.financial_rate) == (61_000_000, Decimal("38.13"))
    # (45 M × 100 + 60 M × 25 + 25 M × 5) / 160 M = 38,28 %
    assert ex.physical_rate == Decimal("38.28")

    compared = {a.indicator.name: a for a in measures.against_targets(plan, measures.measures(session, plan), 2025)}
    on_money = compared["Montant mobilisé auprès de la diaspora"]
    assert (on_money.value, on_money.target, on_money.reached) == (Decimal("2500000.00"), Decimal("4500000"), False)
    assert compared["Point focal migration désigné"].value == Decimal("1.00")

    # A second run changes nothing.
    assert demo_execution.seed_koniakary_execution(session) is None
