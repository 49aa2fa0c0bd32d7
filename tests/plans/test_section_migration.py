"""Section 3 — Diagnostic migratoire as data: rules, findings of other themes, diaspora associations."""
from decimal import Decimal

import pytest
from sqlalchemy import orm

from app.extensions import db
from plans.core.errors import ConflictError, ValidationError
from plans.planning import sections
from plans.planning import service as plan_service
from plans.planning.models import Action, DiasporaAssociation, Finding, FundingLine, MigrationProfile, Plan
from plans.planning.sectiondata import migration

KONIAKARY_DESTINATIONS = ["FR", "GA", "SN", "CG", "CD", "GN", "GQ", "CI", "US", "AO"]


def koniakary(**overrides) -> dict:
    data = {
        "emigrants_total": 10799, "emigrants_internal": 4005, "emigrants_international": 6794, "data_year": 2009,
        "source": "Monographie communale", "reliability": "estime",
        "households_with_emigrant_pct": "66,5", "households_receiving_remittances_pct": "12.5",
        "remittances_fcfa_per_year": "1 500 000 000", "remittance_uses": "Santé, scolarité, habitat",
        "returnees_voluntary": 40, "returnees_forced": 12, "returnee_graduates": 5,
        "returnee_skills_needs": "Maçonnerie, froid", "displaced_hosted": 0, "displaced_returned": None,
        "transit_seasonal": "Orpaillage saisonnier",
        "destinations": [{"country": c, "city": "", "count": None, "trend": "inconnue"}
                         for c in KONIAKARY_DESTINATIONS],
        "codev_projects": [
            {"title": "Maternité", "locality": "Koniakary", "sector": "sante", "year": 1972, "cost_fcfa": "9 000 000",
             "funders": "Ressortissants en France", "state": "fonctionnel"},
            {"title": "Dispensaire", "locality": "Koniakary", "sector": "sante", "year": None, "cost_fcfa": None,
             "funders": "", "state": "fonctionnel"},
            {"title": "Grande mosquée", "locality": "Koniakary", "sector": "culture_jeunesse", "year": 1980,
             "cost_fcfa": None, "funders": "Diaspora", "state": "fonctionnel"}],
        "findings": [{"text": "Deux émigrés sur trois vivent hors du Mali."}],
    }
    data.update(overrides)
    return data


def save(session, plan, data, version=None):
    version = sections.current_version(session, plan, "migration") if version is None else version
    change = sections.save_section(session, plan, "migration", version, None,
                                   apply=lambda: migration.apply(session, plan, data),
                                   snapshot=lambda: migration.dump(plan))
    session.commit()
    return change


def errors_of(data) -> dict:
    with pytest.raises(ValidationError) as caught:
        migration.clean(data)
    return caught.value.errors


def test_koniakary_profile_is_saved_and_dumped(session, plan):
    change = save(session, plan, koniakary())
    p = plan.migration_profile
    assert (p.emigrants_total, p.emigrants_internal, p.emigrants_international) == (10799, 4005, 6794)
    assert p.households_with_emigrant_pct == Decimal("66.5")
    assert p.households_receiving_remittances_pct == Decimal("12.5")
    assert p.remittances_fcfa_per_year == 1_500_000_000
    assert [d.country for d in plan.destinations] == KONIAKARY_DESTINATIONS
    assert [(c.title, c.year, c.cost_fcfa) for c in plan.codev_projects] == [
        ("Maternité", 1972, 9_000_000), ("Dispensaire", None, None), ("Grande mosquée", 1980, None)]
    dumped = migration.dump(plan)
    assert dumped["households_with_emigrant_pct"] == "66.5"
    assert change.snapshot == dumped
    # What dump gives, apply takes back (restoring a version): no change.
    assert migration.apply(session, plan, dumped) == "Section enregistrée sans changement"


def test_rows_keep_their_identity_and_blank_rows_are_skipped(session, plan):
    save(session, plan, koniakary())
    data = migration.dump(plan)
    maternite = plan.codev_projects[0]
    data["codev_projects"] = [{"title": "", "locality": "", "sector": "", "year": None, "cost_fcfa": None,
                               "funders": "", "state": "fonctionnel"}] + data["codev_projects"][:1]
    save(session, plan, data)
    assert [c.id for c in plan.codev_projects] == [maternite.id]


@pytest.mark.parametrize("overrides, key, message", [
    ({"emigrants_internal": 5000, "emigrants_international": 6794}, "emigrants_total",
     "Les émigrés internes et internationaux (11 794) dépassent le total (10 799)."),
    ({"returnee_graduates": 60}, "returnee_graduates",
     "Les diplômés (60) ne peuvent dépasser les migrants de retour (52)."),
    ({"households_with_emigrant_pct": "120"}, "households_with_emigrant_pct",
     "La part doit être comprise entre 0 et 100 %."),
    ({"remittances_fcfa_per_year": "1 500 000,50"}, "remittances_fcfa_per_year",
     "Les montants sont en FCFA entiers, sans centimes."),
    ({"displaced_hosted": -4}, "displaced_hosted", "Un effectif ne peut pas être négatif."),
    ({"data_year": 1900}, "data_year", "L'année doit être comprise entre 1950 et 2100."),
    ({"reliability": "vu"}, "reliability", "Fiabilité inconnue : mesuré, estimé ou déclaratif."),
])
def test_profile_rules(overrides, key, message):
    assert message in errors_of(koniakary(**overrides))[key]


def test_destinations_may_not_exceed_international_emigrants():
    data = koniakary(destinations=[{"country": "FR", "count": 5000}, {"country": "GA", "city": "Libreville",
                                                                      "count": "2 000"}])
    assert errors_of(data)["emigrants_international"] == [
        "La somme des émigrés par destination (7 000) dépasse le nombre d'émigrés internationaux (6 794) : "
        "corrigez l'un ou l'autre."]
    migration.clean(koniakary(destinations=[{"country": "FR", "count": 5000}], emigrants_international=None,
                              emigrants_internal=None))  # only one figure given: nothing to compare


def test_a_destination_needs_a_known_country_and_a_project_a_title_and_sector():
    errors = errors_of(koniakary(destinations=[{"country": "", "city": "Paris"}, {"country": "XX"}],
                                 codev_projects=[{"locality": "Koniakary", "year": 1972},
                                                 {"title": "Puits", "sector": "cuisine"}]))
    assert errors["destinations-0-country"] == ["Choisissez le pays de destination."]
    assert errors["destinations-1-country"] == ["Pays inconnu : « XX »."]
    assert errors["codev_projects-0-title"] == ["Donnez un intitulé au projet."]
    assert errors["codev_projects-0-sector"] == ["Choisissez le secteur du projet."]
    assert errors["codev_projects-1-sector"] == ["Secteur inconnu."]


def test_findings_of_other_themes_are_left_alone(session, plan):
    plan.findings.append(Finding(theme="sante", text="Le CSCOM est trop petit.", position=0))
    plan.findings.append(Finding(theme="education", text="Trois écoles sans latrines.", position=1))
    session.commit()
    others = [(f.id, f.theme, f.text) for f in plan.findings]
    save(session, plan, koniakary())
    data = migration.dump(plan)
    data["findings"] = data["findings"] + [{"text": "Les retours forcés augmentent."}]
    save(session, plan, data)
    session.expire_all()
    assert [(f.id, f.theme, f.text) for f in plan.findings if f.theme != "migration"] == others
    assert [f.text for f in plan.findings if f.theme == "migration"] == [
        "Deux émigrés sur trois vivent hors du Mali.", "Les retours forcés augmentent."]
    save(session, plan, {**migration.dump(plan), "findings": []})
    session.expire_all()
    assert [(f.id, f.theme, f.text) for f in plan.findings] == others


# ----- Associations -----

ENNDAM = {"name": "Enndam Jombuku", "host_country": "FR", "host_city": "Paris",
          "sections": "Gabon, Libreville\n\n Sénégal, Dakar \nCôte d'Ivoire\nCongo-Brazzaville\nAngola\nÉtats-Unis",
          "sectors": ["sante", "education"], "contact_name": "", "contact_details": "", "contact_consent": False}


def test_associations_are_shared_by_the_owner_plans(session, plan, planner, koniakary_owner):
    other = plan_service.create_plan(session, owner=koniakary_owner, title="Révision", period_start=2030, user=planner)
    association = migration.create_association(session, koniakary_owner, ENNDAM)
    session.commit()
    assert migration.associations_of(session, plan.owner) == migration.associations_of(session, other.owner) == [
        association]
    assert association.sections.splitlines()[1] == "Sénégal, Dakar"
    assert association.sectors == "education,sante"
    # Not part of the section: no snapshot, no version.
    assert "associations" not in migration.dump(plan)


def test_contact_needs_consent(session, koniakary_owner):
    with pytest.raises(ValidationError) as caught:
        migration.create_association(session, koniakary_owner, {**ENNDAM, "contact_details": "+33 6 00 00 00 00"})
    assert caught.value.errors == {"contact_consent": [migration.MSG_CONSENT]}
    association = migration.create_association(session, koniakary_owner, {
        **ENNDAM, "contact_name": "M. Diarra", "contact_details": "+33 6 00 00 00 00", "contact_consent": True})
    assert association.contact_consent and association.contact_details == "+33 6 00 00 00 00"
    with pytest.raises(ValidationError):  # withdrawing consent without clearing the contact
        migration.update_association(session, association, {**migration.association_data(association),
                                                             "contact_consent": False})
    migration.update_association(session, association, {**ENNDAM, "contact_consent": False})
    assert (association.contact_name, association.contact_details) == ("", "")


def test_an_association_that_funds_an_action_cannot_be_deleted(session, plan, koniakary_owner):
    association = migration.create_association(session, koniakary_owner, ENNDAM)
    action = Action(plan_id=plan.id, sector="sante", title="Extension du CSCOM", unit_cost=45_000_000)
    action.funding_lines.append(FundingLine(source_type="association_diaspora", association_id=association.id,
                                            amount=4_500_000))
    session.add(action)
    session.flush()
    with pytest.raises(ValidationError) as caught:
        migration.delete_association(session, association)
    assert "Enndam Jombuku" in caught.value.messages[0]
    session.delete(action)
    session.flush()
    migration.delete_association(session, association)
    assert session.get(DiasporaAssociation, association.id) is None


def test_a_first_save_that_loses_the_race_for_the_profile_is_a_conflict_not_an_error(session, plan):
    """Two planners save section 3 of a plan that has no migration profile yet: the other one's profile is
    committed while this save still holds the plan without it. The key refuses the second profile; the save is
    the 409 of a concurrent edit (ConflictError), not a server error, and nothing of it is written."""
    assert plan.migration_profile is None  # loaded: the form was read before the other save
    other = orm.Session(db.engine)
    other.add(MigrationProfile(plan_id=plan.id, emigrants_total=5))
    other.commit()
    other.close()
    with pytest.raises(ConflictError):
        save(session, plan, koniakary())
    session.rollback()
    session.expire_all()
    assert session.get(Plan, plan.id).migration_profile.emigrants_total == 5
