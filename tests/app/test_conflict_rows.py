"""The 409 screen's comparison (app/planning/conflicts.py): rows in French with formatted values, per-row lists,
and the merge of the planner's choices — nothing the screen did not show can be reverted."""
from __future__ import annotations

import html
import re

from werkzeug.datastructures import MultiDict

from app.choices import country_choices
from app.extensions import db
from app.planning import conflicts
from app.planning.section_migration import MigrationForm
from app.planning.section_orientations import OrientationsForm
from plans.planning.sectiondata import migration
from tests.app.test_section_migration import migration_form
from tests.conftest import login


def _theirs(data: dict) -> MigrationForm:
    form = MigrationForm(formdata=None, data=data)
    _choices(form)
    return form


def _mine(formdata: dict) -> MigrationForm:
    form = MigrationForm(formdata=MultiDict(formdata))
    _choices(form)
    return form


def _choices(form) -> None:
    for entry in form.destinations:
        entry.form.country.choices = country_choices("— pays —")


SAVED = {"emigrants_total": 10799, "reliability": "estime", "source": "Recensement",
         "remittances_fcfa_per_year": 1_500_000_000, "households_with_emigrant_pct": "66.5",
         "destinations": [{"id": 7, "country": "FR", "city": "Paris", "count": 3000, "trend": "hausse"},
                          {"id": 8, "country": "GA", "city": "", "count": 200, "trend": "stable"}]}


def _posted(**overrides) -> dict:
    data = {"emigrants_total": "11 000", "reliability": "declaratif", "source": "Recensement",
            "remittances_fcfa_per_year": "1500000000", "households_with_emigrant_pct": "66,5",
            "destinations-0-id": "7", "destinations-0-country": "FR", "destinations-0-city": "Paris",
            "destinations-0-count": "3 500", "destinations-0-trend": "hausse",
            "destinations-1-id": "", "destinations-1-country": "SN", "destinations-1-city": "Dakar",
            "destinations-1-count": "", "destinations-1-trend": "inconnue",
            "destinations-2-id": "", "destinations-2-country": "", "destinations-2-city": "",
            "destinations-2-count": "", "destinations-2-trend": "inconnue"}  # a blank row: ignored
    data.update(overrides)
    return data


def test_rows_are_in_french_with_formatted_values_and_marked_differences(app):
    with app.test_request_context():
        comparison = conflicts.compare(_mine(_posted()), _theirs(SAVED))
    rows = {r.label: r for r in comparison.fields}
    assert set(rows) >= {"Émigrés (total)", "Fiabilité", "Source", "Transferts reçus, estimation (FCFA par an)",
                         "Ménages ayant un émigré (%)", "Usages des transferts", "Transit et mobilité saisonnière "
                         "(orpaillage, exode)"}  # every field of the form
    total = rows["Émigrés (total)"]
    assert (total.theirs, total.mine, total.differs) == ("10\u202f799", "11\u202f000", True)
    assert (rows["Fiabilité"].theirs, rows["Fiabilité"].mine) == ("Estimé", "Déclaratif")
    # The same figure typed two ways is no difference; it reads in FCFA, the share in %.
    remittances = rows["Transferts reçus, estimation (FCFA par an)"]
    assert not remittances.differs and remittances.theirs == "1\u202f500\u202f000\u202f000\u00a0FCFA"
    share = rows["Ménages ayant un émigré (%)"]
    assert not share.differs and share.theirs == "66,5\u00a0%"
    assert not rows["Source"].differs and rows["Usages des transferts"].theirs == "—"
    assert comparison.keys[:2] == ["emigrants_total", "reliability"]
    # Only the user's values of a differing field go back as hidden inputs.
    assert total.hidden == [("emigrants_total", "11 000")] and rows["Source"].hidden == []


def test_lists_compare_per_row_with_the_row_label_and_its_changed_cells(app):
    with app.test_request_context():
        comparison = conflicts.compare(_mine(_posted()), _theirs(SAVED))
    (block,) = comparison.lists
    assert block.label == "Destination" and block.same == 0
    by_state = {r.state: r for r in block.rows}
    changed = by_state[""]  # France, id 7 on both sides: only its count changed
    assert changed.label == "Destination 1 : France"
    assert [(c.label, c.theirs, c.mine) for c in changed.cells] == [("Effectif", "3\u202f000", "3\u202f500")]
    assert by_state["missing"].label == "Destination 2 : Gabon"  # saved, not in the user's form
    added = by_state["added"]
    assert added.label == "Destination 3 : Sénégal" and ("Ville", "—", "Dakar") in [
        (c.label, c.theirs, c.mine) for c in added.cells]
    text = repr(comparison)
    for code in ("'SN'", "'GA'", "'hausse'", "'estime'"):
        assert code not in text.split("hidden=")[0]  # shown values never carry codes
    assert ("destinations-1-country", "SN") in added.hidden  # the user's row, to be posted back


def test_merge_takes_the_saved_version_except_where_the_user_chose_theirs(app):
    with app.test_request_context():
        mine_form, theirs_form = _mine(_posted(source="Enquête")), _theirs(SAVED)
        comparison = conflicts.compare(mine_form, theirs_form)
        mine = MultiDict([(k, v) for r in comparison.differing for k, v in r.hidden])
        keys = {r.label: r.key for r in comparison.differing}
        choices = {keys["Émigrés (total)"]: conflicts.MINE, keys["Source"]: conflicts.THEIRS,
                   keys["Fiabilité"]: conflicts.THEIRS, keys["Destination 1 : France"]: conflicts.MINE,
                   keys["Destination 2 : Gabon"]: conflicts.MINE,  # the user's version has no Gabon row: dropped
                   keys["Destination 3 : Sénégal"]: conflicts.MINE}
        merged = conflicts.merge(theirs_form, mine, choices)
    assert merged["emigrants_total"] == "11 000" and merged["source"] == "Recensement"
    assert merged["reliability"] == "estime"
    assert merged["remittances_fcfa_per_year"] == "1500000000"  # not shown: the saved value
    rows = [(merged.get(f"destinations-{i}-id"), merged.get(f"destinations-{i}-country"),
             merged.get(f"destinations-{i}-count")) for i in range(3)]
    assert rows == [("7", "FR", "3 500"), ("", "SN", ""), (None, None, None)]


def test_a_choice_missing_from_the_post_keeps_the_saved_value(app):
    with app.test_request_context():
        theirs_form = _theirs(SAVED)
        merged = conflicts.merge(theirs_form, MultiDict({"emigrants_total": "1", "source": "Piraté"}), {})
    assert merged["emigrants_total"] == "10799" and merged["source"] == "Recensement"


def test_merge_renumbers_the_rows_a_priority_names_by_index(app):
    saved = {"axes": [{"id": 1, "title": "Eau", "objectives": []}, {"id": 2, "title": "Santé", "objectives": []}],
             "criteria": [{"id": 5, "name": "Urgence", "weight": 3}],
             "priorities": [{"id": 9, "title": "Forage", "axis": "1", "scores": [4]}]}
    posted = {"axes-0-id": "2", "axes-0-title": "Santé", "axes-1-id": "", "axes-1-title": "Emploi des jeunes",
              "criteria-0-id": "5", "criteria-0-name": "Urgence", "criteria-0-weight": "3",
              "priorities-0-id": "", "priorities-0-title": "Atelier", "priorities-0-axis": "1",
              "priorities-0-scores-0": "2",
              "priorities-1-id": "", "priorities-1-title": "Clinique", "priorities-1-axis": "0"}
    with app.test_request_context():
        theirs, mine_form = OrientationsForm(formdata=None, data=saved), OrientationsForm(formdata=MultiDict(posted))
        for form in (theirs, mine_form):
            for entry in form.priorities:
                entry.form.axis.choices = [(str(i), f"Axe {i + 1}") for i in range(len(form.axes))]
        references = {"priorities": {"axis": "axes", "scores": "criteria"}}
        comparison = conflicts.compare(mine_form, theirs, references=references)
        mine = MultiDict([(k, v) for r in comparison.differing for k, v in r.hidden] + comparison.extra_hidden)
        choices = {r.key: conflicts.MINE for r in comparison.differing if r.state == "added"}
        merged = conflicts.merge(theirs, mine, {**{r.key: conflicts.THEIRS for r in comparison.differing}, **choices},
                                 references=references)
    titles = [merged.get(f"axes-{i}-title") for i in range(3)]
    assert titles == ["Eau", "Santé", "Emploi des jeunes"]
    # The user's priority named their row 1 (« Emploi des jeunes »): row 2 once merged; the saved one kept row 1.
    assert (merged["priorities-0-title"], merged["priorities-0-axis"]) == ("Forage", "1")
    assert (merged["priorities-1-title"], merged["priorities-1-axis"]) == ("Atelier", "2")
    assert merged["priorities-1-scores-0"] == "2"
    # Its other priority named their row 0 (« Santé », the same on both sides): the saved row 1.
    assert (merged["priorities-2-title"], merged["priorities-2-axis"]) == ("Clinique", "1")


# ----- Through the routes ------------------------------------------------------------------------------------

def _two_clients(app, planner):
    first, second = app.test_client(), app.test_client()
    login(first, planner.email), login(second, planner.email)
    return first, second


def _resolution(page: str, choices: dict[str, str]) -> dict:
    """What the browser posts from the 409 screen: its hidden inputs and the ticked radios."""
    data: dict[str, list[str]] = {}
    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', page.split('id="conflict-form"', 1)[1]):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        data.setdefault(name, []).append(html.unescape(re.search(r'value="([^"]*)"', tag).group(1)))
    for key, choice in choices.items():
        data[f"choice-{key}"] = [choice]
    return data


def test_the_409_screen_posts_back_exactly_the_choices(app, planner, plan):
    first, second = _two_clients(app, planner)
    url = f"/plans/{plan.id}/migration"
    assert first.post(url, data=migration_form(0, source="Recensement 2009")).status_code == 302
    response = second.post(url, data=migration_form(0, emigrants_total="11 000", reliability="declaratif",
                                                     source="<script>alert(1)</script>"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    text = re.sub(r"<[^>]+>", " ", page.split('id="conflict-form"', 1)[1])
    for internal in ("emigrants_total", "estime", "declaratif", "sante", "FR"):
        assert not re.search(rf"\b{internal}\b", text), internal
    # A missing choice: nothing saved, the screen again, the choices made kept.
    partial = _resolution(page, {"emigrants_total": "mine"})
    again = second.post(url, data=partial)
    assert again.status_code == 409 and "choisissez, pour chaque différence" in again.get_data(as_text=True)
    assert 'value="mine" required checked' in again.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.migration_profile.emigrants_total == 10799
    done = second.post(url, data=_resolution(page, {"emigrants_total": "mine", "reliability": "theirs",
                                                    "source": "mine"}))
    assert done.status_code == 302
    db.session.expire_all()
    data = migration.dump(plan)
    assert (data["emigrants_total"], data["reliability"], data["source"]) == (11000, "estime",
                                                                              "<script>alert(1)</script>")
    assert data["remittances_fcfa_per_year"] == 1_500_000_000


def test_a_stale_409_screen_gets_a_new_comparison_and_saves_nothing(app, planner, plan):
    first, second = _two_clients(app, planner)
    url = f"/plans/{plan.id}/migration"
    assert first.post(url, data=migration_form(0)).status_code == 302
    page = second.post(url, data=migration_form(0, emigrants_total="11 000")).get_data(as_text=True)
    assert first.post(url, data=migration_form(1, source="Troisième version")).status_code == 302
    response = second.post(url, data=_resolution(page, {"emigrants_total": "mine"}))
    assert response.status_code == 409
    db.session.expire_all()
    assert migration.dump(plan)["source"] == "Troisième version"
    assert 'name="version" type="hidden" value="2"' in response.get_data(as_text=True)


def test_the_action_409_screen_covers_every_field(planner_client, plan, session):
    from tests.app.test_section_actions import actions_of, post_new

    data = {"sector": "sante", "title": "Extension du CSCOM", "quantity": "1", "unit_cost": "45 000 000",
            "status": "prevu", "schedule-2025": "45 000 000", "location_precision": "exacte"}
    assert post_new(planner_client, plan, data).status_code == 303
    (action,) = actions_of(session, plan)
    url = f"/plans/{plan.id}/actions/{action.id}"
    assert planner_client.post(url, data=dict(data, version="1", maitre_ouvrage="La commune")).status_code == 303
    response = planner_client.post(url, data=dict(data, version="1", expected_results="Dix lits"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    for label in ("Objectif (section 4)", "Résultats attendus", "Maître d&#39;ouvrage", "Liens avec la migration",
                  "Longitude", "Latitude", "Précision", "Programmation 2025 (FCFA)", "Coût unitaire (FCFA)"):
        assert label in page, label
    assert "45\u202f000\u202f000\u00a0FCFA" in page and "Santé" in page
    done = planner_client.post(url, data=_resolution(page, {"expected_results": "mine",
                                                            "maitre_ouvrage": "theirs"}))
    assert done.status_code == 303
    session.expire_all()
    (stored,) = actions_of(session, plan)
    assert (stored.expected_results, stored.maitre_ouvrage) == ("Dix lits", "La commune")
