"""Section 3 — Diagnostic migratoire through the browser's form posts, and the diaspora associations panel."""
import re

import pytest

from app.extensions import db
from plans.planning import service as plan_service
from plans.planning.models import DiasporaAssociation, Finding
from plans.planning.sectiondata import migration
from tests.conftest import login

DESTINATIONS = ["FR", "GA", "SN", "CG", "CD", "GN", "GQ", "CI", "US", "AO"]


def migration_form(version, **overrides):
    data = {"version": str(version), "emigrants_total": "10 799", "emigrants_internal": "4 005",
            "emigrants_international": "6794", "data_year": "2009", "source": "Monographie communale",
            "reliability": "estime", "households_with_emigrant_pct": "66,5",
            "households_receiving_remittances_pct": "12,5", "remittances_fcfa_per_year": "1 500 000 000",
            "remittance_uses": "Santé, scolarité", "returnees_voluntary": "40", "returnees_forced": "12",
            "returnee_graduates": "5", "returnee_skills_needs": "Maçonnerie", "displaced_hosted": "",
            "displaced_returned": "", "transit_seasonal": "Orpaillage"}
    for i, country in enumerate(DESTINATIONS):
        data.update({f"destinations-{i}-id": "", f"destinations-{i}-country": country, f"destinations-{i}-city": "",
                     f"destinations-{i}-count": "", f"destinations-{i}-trend": "inconnue"})
    data.update({f"destinations-{len(DESTINATIONS)}-country": "",
                 f"destinations-{len(DESTINATIONS)}-trend": "inconnue"})
    for i, (title, sector, year, cost) in enumerate([("Maternité", "sante", "1972", "9 000 000"),
                                                     ("Dispensaire", "sante", "", ""),
                                                     ("Grande mosquée", "culture_jeunesse", "1980", "")]):
        data.update({f"codev_projects-{i}-title": title, f"codev_projects-{i}-locality": "Koniakary",
                     f"codev_projects-{i}-sector": sector, f"codev_projects-{i}-year": year,
                     f"codev_projects-{i}-cost_fcfa": cost, f"codev_projects-{i}-funders": "Diaspora",
                     f"codev_projects-{i}-state": "fonctionnel"})
    data.update({"codev_projects-3-title": "", "codev_projects-3-sector": "", "codev_projects-3-state": "fonctionnel"})
    data.update({"findings-0-text": "Deux émigrés sur trois vivent hors du Mali.", "findings-1-text": ""})
    data.update(overrides)
    return data


def test_koniakary_diagnostic_is_saved_and_read_back(planner_client, plan):
    page = planner_client.get(f"/plans/{plan.id}/migration").get_data(as_text=True)
    assert "Diagnostic migratoire" in page and "Pays fréquents" in page
    response = planner_client.post(f"/plans/{plan.id}/migration", data=migration_form(0))
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(plan)
    p = plan.migration_profile
    assert (p.emigrants_total, p.emigrants_internal, p.emigrants_international) == (10799, 4005, 6794)
    assert p.remittances_fcfa_per_year == 1_500_000_000 and str(p.households_with_emigrant_pct) == "66.50"
    assert [d.country for d in plan.destinations] == DESTINATIONS
    assert [(c.title, c.year, c.cost_fcfa) for c in plan.codev_projects] == [
        ("Maternité", 1972, 9_000_000), ("Dispensaire", None, None), ("Grande mosquée", 1980, None)]
    page = planner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Enregistré à \d\d:\d\d", page)
    assert 'value="10799"' in page and 'value="66,5"' in page and 'value="1 500 000 000"' in page
    assert 'value="9 000 000"' in page and "Deux émigrés sur trois vivent hors du Mali." in page


@pytest.mark.parametrize("overrides, field, message, kept", [
    ({"emigrants_internal": "5000"}, "emigrants_total",
     "Les émigrés internes et internationaux (11 794) dépassent le total (10 799).", 'value="5000"'),
    ({"returnee_graduates": "60"}, "returnee_graduates",
     "Les diplômés (60) ne peuvent dépasser les migrants de retour (52).", 'value="60"'),
    ({"households_receiving_remittances_pct": "112,5"}, "households_receiving_remittances_pct",
     "La part doit être comprise entre 0 et 100 %.", 'value="112,5"'),
    ({"displaced_hosted": "-3"}, "displaced_hosted", "Un effectif ne peut pas être négatif.", 'value="-3"'),
    ({"data_year": "1930"}, "data_year", "L&#39;année doit être comprise entre 1950 et 2100.", 'value="1930"'),
    ({"destinations-0-count": "5 000", "destinations-1-count": "2000"}, "emigrants_international",
     "La somme des émigrés par destination (7 000) dépasse le nombre d&#39;émigrés internationaux (6 794)",
     'value="5 000"'),
    ({"codev_projects-1-title": ""}, "codev_projects-1-title", "Donnez un intitulé au projet.", 'value="Koniakary"'),
    ({"codev_projects-2-sector": ""}, "codev_projects-2-sector", "Choisissez le secteur du projet.",
     'value="Grande mosquée"'),
    ({"destinations-3-country": "", "destinations-3-city": "Abidjan"}, "destinations-3-country",
     "Choisissez le pays de destination.", 'value="Abidjan"'),
])
def test_each_rule_shows_next_to_its_field_and_keeps_the_input(planner_client, plan, overrides, field, message,
                                                               kept):
    response = planner_client.post(f"/plans/{plan.id}/migration", data=migration_form(0, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    # The message follows the field's own input (same table cell or field block).
    match = re.search(rf'name="{re.escape(field)}"[^<]*(?:<[^p][^<]*)*?<p class="field-error">([^<]*)</p>', page)
    assert match and message in match.group(1), (field, page[page.find(f'name="{field}"') - 200:][:1200])
    assert kept in page and 'value="Monographie communale"' in page
    db.session.refresh(plan)
    assert plan.migration_profile is None and plan.codev_projects == []


def test_a_stale_version_gets_409(app, planner, plan):
    first, second = app.test_client(), app.test_client()
    login(first, planner.email), login(second, planner.email)
    assert first.post(f"/plans/{plan.id}/migration", data=migration_form(0)).status_code == 302
    response = second.post(f"/plans/{plan.id}/migration", data=migration_form(0, emigrants_total="11 000"))
    assert response.status_code == 409
    assert 'value="11 000"' in response.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.migration_profile.emigrants_total == 10799


def test_findings_of_other_themes_survive_a_save(planner_client, plan):
    plan.findings.append(Finding(theme="sante", text="Le CSCOM est trop petit.", position=0))
    db.session.commit()
    assert planner_client.post(f"/plans/{plan.id}/migration", data=migration_form(0)).status_code == 302
    page = planner_client.get(f"/plans/{plan.id}/migration").get_data(as_text=True)
    assert "Le CSCOM est trop petit." not in page
    form = migration_form(1, **{"findings-0-text": ""})
    assert planner_client.post(f"/plans/{plan.id}/migration", data=form).status_code == 302
    db.session.expire_all()
    assert [(f.theme, f.text) for f in plan.findings] == [("sante", "Le CSCOM est trop petit.")]


def association_form(**overrides):
    data = {"association-association_id": "", "association-name": "Enndam Jombuku",
            "association-host_country": "FR", "association-host_city": "Paris",
            "association-sections": "Gabon\nSénégal\nCôte d'Ivoire\nCongo-Brazzaville\nAngola\nÉtats-Unis",
            "association-sectors": ["sante", "education"], "association-contact_name": "",
            "association-contact_details": ""}
    data.update(overrides)
    return data


def test_associations_are_shared_between_plans_of_the_owner(planner_client, plan, planner, koniakary_owner):
    other = plan_service.create_plan(db.session, owner=koniakary_owner, title="Révision 2030-2034",
                                     period_start=2030, user=planner)
    db.session.commit()
    response = planner_client.post(f"/plans/{plan.id}/migration/associations", data=association_form())
    assert response.status_code == 303
    page = planner_client.get(f"/plans/{other.id}/migration").get_data(as_text=True)
    assert "Enndam Jombuku" in page and "Congo-Brazzaville" in page
    association = db.session.scalar(db.select(DiasporaAssociation))
    assert association.owner_id == koniakary_owner.id and association.sectors == "education,sante"
    # Edited from the other plan's page: the same association.
    # Its form has a page of its own, reached from the section's list: one form per page.
    section_page = planner_client.get(f"/plans/{other.id}/migration").get_data(as_text=True)
    assert f'href="/plans/{other.id}/migration/associations/{association.id}/modifier"' in section_page
    assert 'id="association-form"' not in section_page
    edit = planner_client.get(f"/plans/{other.id}/migration/associations/{association.id}/modifier")
    assert edit.status_code == 200 and "Modifier « Enndam Jombuku »" in edit.get_data(as_text=True)
    response = planner_client.post(f"/plans/{other.id}/migration/associations",
                                   data=association_form(**{"association-association_id": str(association.id),
                                                            "association-host_city": "Montreuil"}))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(DiasporaAssociation)) == 1
    assert association.host_city == "Montreuil"
    # The section itself was not touched: no version, no history.
    assert migration.dump(plan)["destinations"] == [] and plan.changes.select() is not None


def test_contact_is_stored_only_with_consent(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/migration/associations", data=association_form(**{
        "association-contact_name": "M. Diarra", "association-contact_details": "+33 6 12 34 56 78"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Cochez la case de consentement" in page and 'value="+33 6 12 34 56 78"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(DiasporaAssociation)) == 0
    response = planner_client.post(f"/plans/{plan.id}/migration/associations", data=association_form(**{
        "association-contact_name": "M. Diarra", "association-contact_details": "+33 6 12 34 56 78",
        "association-contact_consent": "y"}))
    assert response.status_code == 303
    assert "+33 6 12 34 56 78" in planner_client.get(f"/plans/{plan.id}/migration").get_data(as_text=True)


def test_contact_details_are_hidden_from_a_reviewer(planner_client, reviewer_client, plan, koniakary_owner):
    migration.create_association(db.session, koniakary_owner, {
        "name": "Enndam Jombuku", "host_country": "FR", "contact_name": "M. Diarra",
        "contact_details": "+33 6 12 34 56 78", "contact_consent": True})
    db.session.commit()
    page = reviewer_client.get(f"/plans/{plan.id}/migration").get_data(as_text=True)
    assert "Enndam Jombuku" in page and "+33 6 12 34 56 78" not in page and "M. Diarra" not in page
    assert reviewer_client.post(f"/plans/{plan.id}/migration/associations",
                                data=association_form()).status_code == 403
    assert "+33 6 12 34 56 78" in planner_client.get(f"/plans/{plan.id}/migration").get_data(as_text=True)


def test_a_missing_name_comes_back_next_to_the_field(planner_client, plan):
    response = planner_client.post(f"/plans/{plan.id}/migration/associations",
                                   data=association_form(**{"association-name": ""}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Donnez le nom de l&#39;association." in page and 'value="Paris"' in page
