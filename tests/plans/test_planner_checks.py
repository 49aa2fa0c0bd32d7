"""The checks a planner expects in the first hour (plans/): migration figures, indicator years and oui/non
values, every out-of-range share of a co-financing scheme, the paying section of a diaspora funding line and an
association registered from the funding line.

Errors refuse the save (the figures are impossible); warnings (figures that are possible, often estimates from
several sources) never do: they are shown next to the field and in the section's checklist."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from plans.core.errors import ValidationError
from plans.documents import plan_document
from plans.planning import actions as svc
from plans.planning import completeness, sections
from plans.planning import service as plan_service
from plans.planning.cofinancing import check_scheme
from plans.planning.models import Action, DiasporaAssociation, FundingLine
from plans.planning.sectiondata import migration, suivi
from plans.review import planfile, planfile_import
from tests.plans.test_section_migration import koniakary

YEARS = [2025, 2026, 2027, 2028, 2029]


@pytest.fixture
def plan(session, planner, koniakary_owner):
    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary", period_start=2025,
                                    user=planner)
    session.flush()
    return plan


@pytest.fixture
def enndam(session, koniakary_owner):
    association = DiasporaAssociation(owner=koniakary_owner, name="Enndam Jombuku", host_country="FR",
                                      sections="Gabon, Libreville")
    session.add(association)
    session.flush()
    return association


def errors_of(call, *args) -> dict:
    with pytest.raises(ValidationError) as caught:
        call(*args)
    return caught.value.errors


def save_section(session, plan, key, module, data):
    sections.save_section(session, plan, key, sections.current_version(session, plan, key), None,
                          apply=lambda: module.apply(session, plan, data), snapshot=lambda: module.dump(plan))
    session.flush()


# ----- Migration: parts of the total, destinations, graduates ---------------------------------------------------

MSG_SHORT = ("Les émigrés internes et internationaux (10 000) ne font pas le total (10 799) : il en manque 799. "
             "Vérifiez les chiffres, ou précisez dans la source qu'il s'agit d'estimations.")


def test_parts_above_the_total_are_an_error():
    errors = errors_of(migration.clean, koniakary(emigrants_internal=5000))
    assert errors["emigrants_total"] == ["Les émigrés internes et internationaux (11 794) dépassent le total "
                                         "(10 799)."]


def test_parts_short_of_the_total_are_only_a_warning():
    data = migration.clean(koniakary(emigrants_internal=3206))  # 3 206 + 6 794 = 10 000 < 10 799
    assert migration.warnings(data) == {"emigrants_total": [MSG_SHORT]}
    assert migration.warnings(migration.clean(koniakary())) == {}  # 4 005 + 6 794 = 10 799: nothing to say
    # Only two of the three figures: nothing to compare.
    assert migration.warnings(migration.clean(koniakary(emigrants_internal=None))) == {}


def test_destinations_abroad_against_international_emigrants():
    rows = [{"country": "FR", "count": 5000}, {"country": "GA", "count": "2 000"}]
    errors = errors_of(migration.clean, koniakary(destinations=rows))
    assert errors["emigrants_international"] == [
        "La somme des émigrés par destination (7 000) dépasse le nombre d'émigrés internationaux (6 794) : "
        "corrigez l'un ou l'autre."]
    # International émigrés unknown: the destinations may not exceed the total either …
    errors = errors_of(migration.clean, koniakary(destinations=rows, emigrants_international=None,
                                                  emigrants_total=6000, emigrants_internal=None))
    assert errors["emigrants_total"] == ["La somme des émigrés par destination (7 000) dépasse le total des "
                                         "émigrés (6 000) : corrigez l'un ou l'autre."]
    # … and below it they are accepted, with a warning asking for the international figure.
    data = migration.clean(koniakary(destinations=rows, emigrants_international=None, emigrants_internal=None))
    assert migration.warnings(data) == {"emigrants_international": [
        "Les destinations à l'étranger comptent 7 000 émigrés : indiquez aussi le nombre d'émigrés internationaux."]}


def test_destinations_in_mali_count_against_internal_migrants():
    rows = [{"country": "ML", "city": "Bamako", "count": 4500}, {"country": "FR", "count": 6000}]
    errors = errors_of(migration.clean, koniakary(destinations=rows))
    assert errors == {"emigrants_internal": [
        "La somme des émigrés vers des destinations au Mali (4 500) dépasse le nombre de migrants internes "
        "(4 005) : corrigez l'un ou l'autre."]}  # France's 6 000 stay within the 6 794 international émigrés
    migration.clean(koniakary(destinations=[{"country": "ML", "count": 4000}, {"country": "FR", "count": 6794}]))


def test_graduates_within_returnees():
    assert errors_of(migration.clean, koniakary(returnee_graduates=60))["returnee_graduates"] == [
        "Les diplômés (60) ne peuvent dépasser les migrants de retour (52)."]
    # Returnees not known yet: possible, so a warning instead of a refusal.
    data = migration.clean(koniakary(returnees_voluntary=None, returnees_forced=None, returnee_graduates=5))
    assert migration.warnings(data) == {"returnee_graduates": [
        "Indiquez aussi le nombre de migrants de retour (volontaires ou forcés) : les diplômés formés à "
        "l'étranger en font partie."]}
    migration.clean(koniakary(returnees_voluntary=None, returnees_forced=5, returnee_graduates=5))  # all of them


def test_migration_warnings_are_in_the_checklist_and_do_not_block(session, plan):
    save_section(session, plan, "migration", migration, koniakary(emigrants_internal=3206))
    check = completeness.check_plan(plan).by_key("migration")
    assert check.warnings == [MSG_SHORT]
    assert check.status == completeness.COMPLETE  # a warning is not a missing item nor an error


# ----- Suivi: years of the period, oui/non indicators -------------------------------------------------------------

def indicator(**overrides) -> dict:
    row = {"category": "jmdi_politique", "name": "Part du PIP cofinancée par la diaspora", "unit": "%",
           "baseline_value": "12,5", "baseline_year": 2024, "targets": {"2025": "15", "2029": "25"}, "source": ""}
    row.update(overrides)
    return row


def test_baseline_year_after_the_end_of_the_plan_is_an_error():
    errors = errors_of(suivi.validate, {"indicators": [indicator(baseline_year=2030)]}, YEARS)
    assert errors == {"indicators-0-baseline_year": [
        "L'année de référence (2030) est après la fin du plan (2029) : la référence décrit la situation de départ, "
        "au plus tard en 2025."]}


def test_baseline_year_after_the_start_is_a_warning_and_the_start_itself_is_fine():
    suivi.validate({"indicators": [indicator(baseline_year=2027), indicator(baseline_year=2025)]}, YEARS)
    data = {"indicators": [indicator(baseline_year=2027), indicator(baseline_year=2025),
                           indicator(baseline_year=2024)]}
    assert suivi.warnings(data, YEARS) == {"indicators-0-baseline_year": [
        "Indicateur « Part du PIP cofinancée par la diaspora » : l'année de référence (2027) est postérieure au "
        "début du plan (2025) ; la référence se mesure normalement avant ou au début du plan."]}


def test_targets_stay_within_the_period():
    errors = errors_of(suivi.validate, {"indicators": [indicator(targets={"2031": "30"})]}, YEARS)
    assert errors["indicators-0-targets"] == [
        "Indicateur « Part du PIP cofinancée par la diaspora » : l'année cible 2031 n'est pas une année du plan "
        "(2025–2029)."]


def test_suivi_warnings_are_in_the_checklist(session, plan):
    save_section(session, plan, "suivi", suivi, {"indicators": [indicator(baseline_year=2026)]})
    check = completeness.check_plan(plan).by_key("suivi")
    assert len(check.warnings) == 1 and "(2026) est postérieure au début du plan (2025)" in check.warnings[0]
    assert check.status == completeness.COMPLETE


POINT_FOCAL = {"category": "jmdi_institutionnel", "name": "Point focal migration désigné", "unit": "oui/non"}


def test_the_suggested_yes_no_indicator_takes_oui_and_non(session, plan):
    assert POINT_FOCAL in [dict(s) for s in suivi.SUGGESTED_INDICATORS]
    row = {**POINT_FOCAL, "baseline_value": "non", "baseline_year": 2024,
           "targets": {"2025": "Non", "2026": "OUI", "2027": "oui", "2028": " Oui ", "2029": "1"}, "source": ""}
    save_section(session, plan, "suivi", suivi, {"indicators": [row]})
    (stored,) = plan.indicators
    assert stored.baseline_value == Decimal(0)
    assert stored.targets == {"2025": "0", "2026": "1", "2027": "1", "2028": "1", "2029": "1"}
    dumped = suivi.dump(plan)
    assert suivi.apply(session, plan, dumped) == "Suivi-évaluation enregistré"  # what dump gives, apply takes
    assert [suivi.display_value(stored.unit, v) for v in (stored.baseline_value, "1")] == ["Non", "Oui"]
    # The Word document and the plan pages read Oui/Non too.
    shown = plan_document._indicator(stored)
    assert shown["reference"] == "Non (2024)"
    # one target a line, each kept whole (no-break spaces around the colon)
    assert shown["cibles"] == "\n".join(f"{year}\u00a0:\u00a0{value}" for year, value in (
        ("2025", "Non"), ("2026", "Oui"), ("2027", "Oui"), ("2028", "Oui"), ("2029", "Oui")))


@pytest.mark.parametrize("unit", ["oui/non", "Oui / Non", "OUI/NON"])
def test_any_spelling_of_the_unit_is_a_yes_no_indicator(unit):
    suivi.validate({"indicators": [{**POINT_FOCAL, "unit": unit, "baseline_value": "Oui", "targets": {}}]}, YEARS)


def test_a_yes_no_indicator_refuses_other_values_and_a_number_refuses_oui():
    errors = errors_of(suivi.validate, {"indicators": [
        {**POINT_FOCAL, "baseline_value": "2", "targets": {"2026": "peut-être"}},
        indicator(baseline_value="oui")]}, YEARS)
    assert errors["indicators-0-baseline_value"] == ["Pour un indicateur « oui/non », saisissez Oui ou Non."]
    assert errors["indicators-0-targets-1"] == ["Pour un indicateur « oui/non », saisissez Oui ou Non."]
    assert "indicators-1-baseline_value" in errors  # « oui » is no percentage
    assert suivi.display_value("%", Decimal(1)) == Decimal(1)  # only oui/non indicators read Oui/Non


# ----- Co-financing: every share out of its range -----------------------------------------------------------------

CTC = "« Appui aux investissements de la diaspora »"


def test_the_scheme_names_every_share_out_of_range():
    messages = check_scheme("diaspora_ctc", 40_000_000, {"programme_codev": 20_000_000,
                                                         "association_diaspora": 10_000_000,
                                                         "budget_communal": 10_000_000})
    assert [m.split(" : ")[0] for m in messages] == ["Programme (CTC, PTF)", "Diaspora",
                                                    "Collectivité, ONG et associations locales"]


def test_the_checklist_names_every_broken_share_of_an_action(session, plan):
    action = Action(plan_id=plan.id, uuid="a1", title="Forage", sector="hydraulique", unit_cost=40_000_000,
                    cofinancing_scheme="diaspora_ctc",
                    funding_lines=[FundingLine(position=0, source_type="programme_codev", amount=20_000_000),
                                   FundingLine(position=1, source_type="budget_communal", amount=20_000_000)])
    session.add(action)
    session.flush()
    session.expire(plan, ["actions"])
    errors = completeness.check_plan(plan).by_key("actions").errors
    assert [e.split(" : ")[1] for e in errors if "dispositif" in e] == [
        "Programme (CTC, PTF)", "Diaspora", "Collectivité, ONG et associations locales"]


# ----- Diaspora funding line: the paying section, a new association ----------------------------------------------

def action_data(*lines) -> dict:
    return {"sector": "sante", "title": "Extension du CSCOM", "quantity": "1", "unit_cost": "10 000 000",
            "schedule": {"2025": "10 000 000"}, "funding_lines": list(lines)}


def test_a_diaspora_line_names_the_paying_section(session, plan, enndam):
    action = svc.create_action(session, plan, action_data(
        {"source_type": "association_diaspora", "association_id": str(enndam.id),
         "association_section": " Libreville, Gabon ", "share_pct": "10"},
        {"source_type": "budget_communal", "share_pct": "90"}))
    session.flush()
    assert [ln.association_section for ln in action.funding_lines] == ["Libreville, Gabon", ""]
    assert svc.dump_action(action)["funding_lines"][0]["association_section"] == "Libreville, Gabon"
    errors = errors_of(svc.create_action, session, plan, action_data(
        {"source_type": "association_diaspora", "association_id": str(enndam.id), "association_section": "x" * 201,
         "share_pct": "10"}))
    assert errors == {"funding_lines-0-association_section": ["200 caractères au plus."]}


def test_a_new_association_is_registered_from_the_funding_line(session, plan, enndam, koniakary_owner):
    action = svc.create_action(session, plan, action_data(
        {"source_type": "association_diaspora", "new_association_name": "Ressortissants de Koniakary à Madrid",
         "new_association_country": "es", "association_section": "Madrid", "share_pct": "10"},
        {"source_type": "association_diaspora", "new_association_name": "ressortissants de koniakary à madrid",
         "new_association_country": "ES", "share_pct": "5"}))
    session.flush()
    created = [a for a in migration.associations_of(session, koniakary_owner) if a.id != enndam.id]
    assert [(a.name, a.host_country, a.contact_consent) for a in created] == [
        ("Ressortissants de Koniakary à Madrid", "ES", False)]  # once, for both lines
    assert [ln.association_id for ln in action.funding_lines] == [created[0].id, created[0].id]
    # Typed again later (any case), the registered one is used: no duplicate.
    again = svc.create_action(session, plan, action_data(
        {"source_type": "association_diaspora", "new_association_name": "ENNDAM JOMBUKU",
         "new_association_country": "FR", "share_pct": "10"}))
    session.flush()
    assert again.funding_lines[0].association_id == enndam.id
    assert session.scalar(sa.select(sa.func.count()).select_from(DiasporaAssociation)) == 2


def test_a_new_association_needs_its_country_and_not_a_chosen_one_too(session, plan, enndam):
    count = session.scalar(sa.select(sa.func.count()).select_from(DiasporaAssociation))
    errors = errors_of(svc.create_action, session, plan, action_data(
        {"source_type": "association_diaspora", "new_association_name": "AJK Paris", "share_pct": "10"},
        {"source_type": "association_diaspora", "association_id": str(enndam.id),
         "new_association_name": "AJK Lyon", "new_association_country": "FR", "share_pct": "10"},
        {"source_type": "association_diaspora", "new_association_country": "FR", "share_pct": "10"}))
    assert errors["funding_lines-0-new_association_country"] == ["Choisissez le pays où siège l'association."]
    assert errors["funding_lines-1-new_association_name"] == [
        "Choisissez une association de la liste ou inscrivez une nouvelle association, pas les deux."]
    assert errors["funding_lines-2-new_association_name"] == ["Donnez le nom de l'association."]
    assert "funding_lines-0-association_id" not in errors  # the typed association answers that rule
    assert session.scalar(sa.select(sa.func.count()).select_from(DiasporaAssociation)) == count


def test_the_paying_section_travels_in_the_plan_file(session, plan, enndam):
    svc.create_action(session, plan, action_data(
        {"source_type": "association_diaspora", "association_id": str(enndam.id),
         "association_section": "Libreville, Gabon", "share_pct": "10"},
        {"source_type": "budget_communal", "share_pct": "90"}))
    session.commit()
    document = planfile.export_document(session, plan)
    lines = document["plan"]["actions"][0]["funding_lines"]
    assert lines[0]["association_section"] == "Libreville, Gabon"
    assert "association_section" not in lines[1]  # optional: written only when named
    result = planfile_import.import_document(session, planfile.document_bytes(document), None, source="plan.json")
    session.commit()
    assert planfile.without_timestamp(planfile.export_document(session, result.plan)) == \
        planfile.without_timestamp(document)
    # A schema_version 1 file written before the field existed is still read.
    del lines[0]["association_section"]
    result = planfile_import.import_document(session, document, None, source="ancien.json")
    session.commit()
    assert result.plan.actions[0].funding_lines[0].association_section == ""
