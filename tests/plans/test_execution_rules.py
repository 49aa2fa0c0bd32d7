"""The execution of an adopted plan (plans/execution/service.py): who records it, what a save checks, its versions,
history, restore and journal. The Koniakary test case (docs/DOMAIN.md §14), adopted, its 2025 execution typed."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from plans.accounts.models import Role
from plans.core.audit import AuditEntry
from plans.core.errors import ConflictError, ValidationError
from plans.core.formatting import plain
from plans.demo import data as D
from plans.execution import service
from plans.execution.models import ExecutionChange, ExecutionFunding, ExecutionRecord
from plans.planning import finance, indicators
from plans.planning.models import Plan, PlanStatus


@pytest.fixture
def adopted(session, demo_cases, planner):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == D.TC1_UUID))
    plan.status = PlanStatus.ADOPTE
    session.commit()
    return plan


def _action(plan, title):
    return next(a for a in plan.actions if a.title == title)


def cscom_2025(**changes):
    """CSCOM 2025: CTC 31 500 000 (promis), Enndam Jombuku 4 500 000 (acquis), commune 9 000 000 (promis)."""
    data = {"status": "en_cours", "progress": "40", "start_date": "2025-02-01", "end_date": "",
            "contractor": "Entreprise Diarra BTP", "observations": "Gros œuvre achevé.", "functioning": "",
            "funding": [{"mobilised": "10 000 000", "paid": "8 000 000"},
                        {"mobilised": "2 000 000", "paid": "2 000 000"},
                        {"mobilised": "3 000 000", "paid": "1 000 000"}]}
    data.update(changes)
    return data


def test_a_planner_records_a_year_and_it_is_versioned_kept_and_journaled(session, adopted, planner):
    action = _action(adopted, "Extension du CSCOM")
    record = service.save(session, adopted, action, 2025, cscom_2025(), 0, planner, ip="10.0.0.9")
    session.commit()

    stored = service.record_of(session, action, 2025)
    assert (stored.status, stored.progress, stored.start_date, stored.end_date) == ("en_cours", 40,
                                                                                     date(2025, 2, 1), None)
    assert (stored.contractor, stored.version) == ("Entreprise Diarra BTP", 1)
    money = {f.funding_line_id: (f.mobilised, f.paid) for f in stored.funding}
    assert [money[line.id] for line in action.funding_lines] == [(10_000_000, 8_000_000), (2_000_000, 2_000_000),
                                                                  (3_000_000, 1_000_000)]
    changes = service.history(session, adopted, action, 2025)
    assert [c.summary for c in changes] == ["Exécution 2025 de « Extension du CSCOM » : en cours, avancement 40 %"]
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "execution.save"))
    assert (entry.user_id, entry.target, entry.ip) == (planner.id, f"plan:{adopted.id}", "10.0.0.9")
    assert entry.details == {"action": action.uuid, "year": 2025, "status": "en_cours", "progress": 40,
                             "version": record.version}
    # The plan's content is untouched: the lines keep the status they were adopted with.
    assert [line.status for line in action.funding_lines] == ["promis", "acquis", "promis"]


def _nothing_written(session):
    return all(session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
               for model in (ExecutionRecord, ExecutionFunding, ExecutionChange))


def test_a_bad_save_says_why_in_french_and_writes_nothing(session, adopted, planner):
    action = _action(adopted, "Extension du CSCOM")
    bad = cscom_2025(progress="120", start_date="2024-12-31", end_date="15/01/2031", functioning="fonctionnel",
                     funding=[{"mobilised": "10 000 000", "paid": "12 000 000"},
                              {"mobilised": "5 000 000", "paid": "0"},
                              {"mobilised": "-3", "paid": "1,5"}])
    with pytest.raises(ValidationError) as refused:
        service.save(session, adopted, action, 2025, bad, 0, planner)
    session.rollback()
    errors = {k: [plain(m) for m in v] for k, v in refused.value.errors.items()}
    assert errors["progress"] == [service.MSG_PROGRESS]
    assert errors["start_date"] == ["La date de début (31/12/2024) est hors de la période du plan (2025–2029)."]
    assert errors["end_date"] == ["La date de fin (15/01/2031) est hors de la période du plan (2025–2029)."]
    assert errors["functioning"] == ["L'état de fonctionnement se renseigne pour un ouvrage réalisé."]
    assert errors["funding-0-paid"] == [
        "Programme de codéveloppement (Cellule technique du codéveloppement (CTC)) : le payé cumulé à fin 2025 "
        "(12 000 000 FCFA) dépasse le mobilisé cumulé (10 000 000 FCFA) de 2 000 000 FCFA."]
    assert errors["funding-1-mobilised"] == [
        "Association de la diaspora (Enndam Jombuku) : le mobilisé sur la durée du plan (5 000 000 FCFA) dépasse le "
        "montant prévu de la ligne (4 500 000 FCFA) de 500 000 FCFA ; un financement plus élevé demande une "
        "révision du plan."]
    assert errors["funding-2-mobilised"] == ["Le montant ne peut pas être négatif."]
    assert errors["funding-2-paid"] == ["Les montants sont en FCFA entiers, sans centimes."]
    assert _nothing_written(session)


def test_a_realised_action_is_at_100_and_only_then_says_whether_it_works(session, adopted, planner):
    action = _action(adopted, "Extension du CSCOM")
    with pytest.raises(ValidationError) as refused:
        service.save(session, adopted, action, 2025, cscom_2025(status="realise", progress="90"), 0, planner)
    session.rollback()
    assert refused.value.errors == {"progress": ["Une action réalisée est avancée à 100 % (saisi : 90 %)."]}
    service.save(session, adopted, action, 2025, cscom_2025(status="realise", progress="100 %",
                                                            functioning="fonctionnel"), 0, planner)
    session.commit()
    assert service.record_of(session, action, 2025).functioning == "fonctionnel"


def test_payments_are_checked_against_receipts_across_the_years(session, adopted, planner):
    action = _action(adopted, "Extension du CSCOM")
    service.save(session, adopted, action, 2025, cscom_2025(), 0, planner)
    session.commit()
    # 2026 pays 3 000 000 more from the CTC line with nothing more received: 11 000 000 paid for 10 000 000.
    year_2026 = cscom_2025(funding=[{"mobilised": "0", "paid": "3 000 000"}, {}, {}])
    with pytest.raises(ValidationError) as refused:
        service.save(session, adopted, action, 2026, year_2026, 0, planner)
    session.rollback()
    assert list(refused.value.errors) == ["funding-0-paid"]
    assert "fin 2026 (11 000 000 FCFA)" in plain(refused.value.errors["funding-0-paid"][0])
    service.save(session, adopted, action, 2026, cscom_2025(funding=[{"mobilised": "2 000 000", "paid": "3 000 000"},
                                                                     {}, {}]), 0, planner)
    session.commit()
    # Lowering 2025's receipts now breaks 2026: refused on the 2025 save, which names 2026.
    with pytest.raises(ValidationError) as refused:
        service.save(session, adopted, action, 2025, cscom_2025(funding=[{"mobilised": "8 000 000",
                                                                          "paid": "8 000 000"}, {}, {}]), 1, planner)
    session.rollback()
    assert "à fin 2026 (11 000 000 FCFA) dépasse le mobilisé cumulé (10 000 000 FCFA)" in \
        plain(refused.value.errors["funding-0-paid"][0])


def test_a_stale_form_is_a_conflict_and_two_first_saves_too(session, adopted, planner):
    action = _action(adopted, "Extension du CSCOM")
    service.save(session, adopted, action, 2025, cscom_2025(), 0, planner)
    session.commit()
    for stale in (0, "0", None, 7):
        with pytest.raises(ConflictError):
            service.save(session, adopted, action, 2025, cscom_2025(progress="50"), stale, planner)
        session.rollback()
    with pytest.raises(ValidationError) as refused:
        service.save(session, adopted, action, 2025, cscom_2025(), "1x", planner)
    session.rollback()
    assert list(refused.value.errors) == ["version"]
    assert service.record_of(session, action, 2025).progress == 40


def test_only_the_owners_planners_record_and_only_a_validated_or_adopted_plan(session, adopted, planner,
                                                                              reviewer, make_user):
    action = _action(adopted, "Extension du CSCOM")
    admin = make_user(Role.ADMIN, email="admin-exec@dgct.ml")
    for who in (reviewer, admin):
        with pytest.raises(PermissionError) as refused:
            service.save(session, adopted, action, 2025, cscom_2025(), 0, who)
        session.rollback()
        assert str(refused.value) == service.MSG_NOT_EDITOR
    assert service.may_read(reviewer, adopted) and not service.may_edit(reviewer, adopted)
    for status in (PlanStatus.BROUILLON, PlanStatus.SOUMIS, PlanStatus.EN_REVUE, PlanStatus.A_REVISER):
        adopted.status = status
        with pytest.raises(PermissionError) as refused:
            service.save(session, adopted, action, 2025, cscom_2025(), 0, planner)
        assert str(refused.value) == ("Le suivi de l'exécution s'ouvre quand le plan est validé ou adopté : "
                                      f"ce plan est « {status.label} ».")
        session.rollback()
    adopted.status = PlanStatus.VALIDE
    service.save(session, adopted, action, 2025, cscom_2025(), 0, planner)
    session.commit()
    assert _nothing_written(session) is False


def test_an_earlier_save_is_restored_as_a_new_version(session, adopted, planner):
    action = _action(adopted, "Extension du CSCOM")
    service.save(session, adopted, action, 2025, cscom_2025(), 0, planner)
    session.commit()
    service.save(session, adopted, action, 2025, cscom_2025(progress="70", contractor="Autre entreprise",
                                                            funding=[{"mobilised": "20 000 000", "paid": "20 000 000"},
                                                                     {}, {}]), 1, planner)
    session.commit()
    first = service.history(session, adopted, action, 2025)[-1]
    with pytest.raises(ConflictError):
        service.restore(session, adopted, first.id, 1, planner)
    session.rollback()
    service.restore(session, adopted, first.id, 2, planner)
    session.commit()
    stored = service.record_of(session, action, 2025)
    assert (stored.progress, stored.contractor, stored.version) == (40, "Entreprise Diarra BTP", 3)
    money = {f.funding_line_id: (f.mobilised, f.paid) for f in stored.funding}
    assert money[action.funding_lines[0].id] == (10_000_000, 8_000_000)
    assert len(service.history(session, adopted, action, 2025)) == 3
    assert session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "execution.restore"


def test_the_funding_state_moves_as_money_arrives():
    """One rule (plans/planning/indicators.py): what is received is « acquis », the rest keeps its status."""
    assert indicators.split_with_receipts("promis", 4_500_000, 2_000_000) == {"acquis": 2_000_000,
                                                                              "promis": 2_500_000}
    assert indicators.split_with_receipts("a_rechercher", 21_000_000, 0) == {"acquis": 0,
                                                                             "a_rechercher": 21_000_000}
    assert indicators.split_with_receipts("acquis", 4_500_000, 0) == {"acquis": 4_500_000}
    assert indicators.split_with_receipts(None, 1_000, 5_000) == {"acquis": 1_000, "promis": 0}
    assert indicators.state_with_receipts("promis", 4_500_000, 2_000_000) == "promis"
    assert indicators.state_with_receipts("promis", 4_500_000, 4_500_000) == "acquis"
    assert indicators.state_with_receipts("a_rechercher", 0, 0) == "a_rechercher"
    assert indicators.state_with_receipts("acquis", 4_500_000, 0) == "acquis"


def test_the_line_amounts_checked_are_finances(session, adopted):
    action = _action(adopted, "Extension du CSCOM")
    assert finance.action_figures(action, adopted.years).line_amounts == [31_500_000, 4_500_000, 9_000_000]
