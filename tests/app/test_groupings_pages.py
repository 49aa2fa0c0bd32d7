"""Managing groupings through the admin pages: what an administrator of the DGCT does, and what others may not."""
from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from plans.core import geo
from plans.owners import service as owners_service
from plans.owners.models import GroupingMember, OwnerKind, PlanOwner
from plans.territory.models import AdminUnit
from tests.conftest import csrf_token_from
from tests.factories import (
    KENEDOUGOU_BFA_NAMES,
    KENEDOUGOU_MALI_CODES,
    KENEDOUGOU_NAME,
    YELIMANE_CERCLE,
    YELIMANE_CODES,
    YELIMANE_NAME,
    kenedougou_grouping,
    yelimane_grouping,
)
from tests.offline import assert_no_external_refs

SQUARE = {"type": "Feature", "properties": {"nom": "Koloko"}, "geometry": {
    "type": "Polygon", "coordinates": [[[-4.9, 11.2], [-4.8, 11.2], [-4.8, 11.3], [-4.9, 11.3], [-4.9, 11.2]]]}}


def text(response) -> str:
    return response.get_data(as_text=True)


def counts(session) -> tuple[int, int, int]:
    session.rollback()  # see what the requests committed, not a stale snapshot

    def n(model):
        return session.scalar(sa.select(sa.func.count()).select_from(model))
    return n(PlanOwner), n(GroupingMember), n(AdminUnit)


def grouping_named(session, name) -> PlanOwner | None:
    session.rollback()
    return session.scalar(sa.select(PlanOwner).where(PlanOwner.name == name))


def full_geometry(session, code):
    unit = session.scalar(sa.select(AdminUnit).where(AdminUnit.code == code)
                          .options(sa.orm.undefer(AdminUnit.geometry)))
    return geo.from_wkb(unit.geometry)


def rows(*items, start=0) -> dict:
    """Form fields of the rows "name + country (+ polygon file)"."""
    data = {}
    for i, item in enumerate(items, start=start):
        name, country = item[0], item[1]
        data[f"foreign_name-{i}"] = name
        data[f"foreign_country-{i}"] = country
        if len(item) > 2:
            data[f"foreign_polygon-{i}"] = (io.BytesIO(item[2]), f"polygone-{i}.geojson")
    return data


def sicm_form(**extra) -> dict:
    data = {"name": YELIMANE_NAME, "kind": "syndicat", "founding_act_ref": "Arrêté n°0042/CY",
            "founding_act_date": "2004-03-12", "tutelle_authority": "Préfet de Yélimané",
            "member_codes_text": "\n".join(YELIMANE_CODES), **rows(("", ""), ("", ""), ("", ""))}
    data.update(extra)
    return data


def kenedougou_form(**extra) -> dict:
    data = {"name": KENEDOUGOU_NAME, "kind": "glct", "founding_act_ref": "Convention du GLCT-Kénédougou",
            "founding_act_date": "2024-05-01", "member_codes": list(KENEDOUGOU_MALI_CODES),
            **rows(*[(n, "BFA") for n in KENEDOUGOU_BFA_NAMES])}
    data.update(extra)
    return data


def post(client, url, data):
    return client.post(url, data=data, content_type="multipart/form-data")


# --- who may do what ------------------------------------------------------------------------------------------

def test_only_administrators_manage_groupings(planner_client, reviewer_client, session):
    owner = yelimane_grouping(session)
    for c in (planner_client, reviewer_client):
        for url in ("/groupements/", "/groupements/nouveau", f"/groupements/{owner.id}/modifier",
                    f"/groupements/{owner.id}/supprimer"):
            response = c.get(url)
            assert response.status_code == 403, url
            assert "réservée aux administrateurs" in text(response)
        before = counts(session)
        assert post(c, "/groupements/nouveau", kenedougou_form()).status_code == 403
        assert c.post(f"/groupements/{owner.id}/supprimer", data={}).status_code == 403
        assert counts(session) == before


def test_planners_and_reviewers_read_a_grouping_without_edit_links(planner_client, reviewer_client, session):
    owner = kenedougou_grouping(session)
    for c in (planner_client, reviewer_client):
        html = text(c.get(f"/groupements/{owner.id}"))
        assert KENEDOUGOU_NAME in html and "Groupement local de coopération transfrontalière" in html
        assert "/modifier" not in html and "/supprimer" not in html


def test_anonymous_visitors_are_sent_to_login(client, session):
    owner = yelimane_grouping(session)
    for url in ("/groupements/", f"/groupements/{owner.id}"):
        assert "/compte/connexion" in client.get(url).headers["Location"]


def test_an_unknown_grouping_is_a_french_404(admin_client, koniakary_owner):
    assert "Ce groupement n&#39;existe pas." in text(admin_client.get("/groupements/99999"))
    # A collectivité's owner row is not a grouping.
    assert admin_client.get(f"/groupements/{koniakary_owner.id}").status_code == 404


# --- the list and the detail ------------------------------------------------------------------------------------

def test_the_list_shows_kind_members_and_geometry_state(admin_client, session):
    yelimane_grouping(session)
    kenedougou_grouping(session)
    html = text(admin_client.get("/groupements/"))
    assert_no_external_refs(html, "/groupements/")
    row = re.search(r"<tr>\s*<td><a[^>]*>GLCT-Kénédougou</a></td>(.*?)</tr>", html, re.S).group(1)
    assert "Groupement local de coopération transfrontalière (GLCT)" in row
    assert ">13<" in row and "7 maliens / 6 étrangers" in row and "7 cartographiés, 6 sans géométrie" in row
    row = re.search(r"<tr>\s*<td><a[^>]*>Syndicat intercommunal du cercle[^<]*</a></td>(.*?)</tr>", html, re.S).group(1)
    assert "Syndicat intercommunal" in row and ">12<" in row and "12 maliens / 0 étranger" in row and "complète" in row


def test_the_detail_lists_members_and_those_without_geometry(admin_client, session):
    owner = kenedougou_grouping(session)
    html = text(admin_client.get(f"/groupements/{owner.id}"))
    assert "Géométrie : 7 membres cartographiés sur 13" in html
    for name in ("Faramana", "Kayan", "Koloko", "Morolaba", "N&#39;Dorola", "Sindo"):
        assert name in html
    assert ("Sans géométrie : Faramana (BFA), Kayan (BFA), Koloko (BFA), Morolaba (BFA), "
            "N&#39;Dorola (BFA), Sindo (BFA).") in html
    assert 'href="/territoire/ML030711">Finkolo</a>' in html and "Sikasso › Sikasso" in html
    assert f'href="/groupements/{owner.id}/modifier"' in html


# --- creating -----------------------------------------------------------------------------------------------------

def assert_sicm_geometry(session, owner):
    cache = owners_service.owner_geometry(owner)
    expected = geo.union(full_geometry(session, c) for c in YELIMANE_CODES)
    assert abs(cache.area - expected.area) / expected.area < 1e-9
    assert cache.covers(full_geometry(session, YELIMANE_CERCLE))


def test_an_admin_creates_the_sicm_without_javascript(admin_client, session):
    html = text(admin_client.get("/groupements/nouveau"))
    assert "Codes P des communes membres (un par ligne)" in html and 'enctype="multipart/form-data"' in html
    assert_no_external_refs(html, "/groupements/nouveau")
    response = post(admin_client, "/groupements/nouveau", sicm_form())
    assert response.status_code == 302, text(response)
    owner = grouping_named(session, YELIMANE_NAME)
    assert response.headers["Location"].endswith(f"/groupements/{owner.id}")
    assert owner.kind is OwnerKind.SYNDICAT and owner.founding_act_ref == "Arrêté n°0042/CY"
    assert owner.founding_act_date.isoformat() == "2004-03-12" and owner.tutelle_authority == "Préfet de Yélimané"
    assert sorted(u.code for u in owner.member_units) == sorted(YELIMANE_CODES)
    assert_sicm_geometry(session, owner)
    assert "Groupement créé" in text(admin_client.get(response.headers["Location"]))


def test_the_picker_path_sends_hidden_member_codes(admin_client, session):
    data = sicm_form(member_codes_text="", member_codes=list(YELIMANE_CODES))
    assert post(admin_client, "/groupements/nouveau", data).status_code == 302
    owner = grouping_named(session, YELIMANE_NAME)
    assert len(owner.members) == 12
    assert_sicm_geometry(session, owner)


def test_textarea_lines_may_carry_names_after_the_codes(admin_client, session):
    lines = "\n".join(f"{c}  Une commune" for c in YELIMANE_CODES[:6]) + "\r\n" + ", ".join(YELIMANE_CODES[6:])
    assert post(admin_client, "/groupements/nouveau", sicm_form(member_codes_text=lines)).status_code == 302
    assert len(grouping_named(session, YELIMANE_NAME).members) == 12


def test_an_admin_creates_glct_kenedougou(admin_client, session):
    response = post(admin_client, "/groupements/nouveau", kenedougou_form())
    assert response.status_code == 302, text(response)
    owner = grouping_named(session, KENEDOUGOU_NAME)
    summary = owners_service.member_summary(owner)
    assert sorted(u.code for u in summary.malian) == sorted(KENEDOUGOU_MALI_CODES)
    assert sorted(u.name for u in summary.foreign) == sorted(KENEDOUGOU_BFA_NAMES)
    assert sorted(u.name for u in summary.without_geometry) == sorted(KENEDOUGOU_BFA_NAMES)
    expected = geo.union(full_geometry(session, c) for c in KENEDOUGOU_MALI_CODES)
    assert owners_service.owner_geometry(owner).area == pytest.approx(expected.area, rel=1e-9)


def test_a_foreign_commune_gets_its_uploaded_polygon(admin_client, session):
    data = kenedougou_form(**rows(("Koloko", "BFA", json.dumps(SQUARE).encode()), start=2))
    assert post(admin_client, "/groupements/nouveau", data).status_code == 302
    owner = grouping_named(session, KENEDOUGOU_NAME)
    koloko = next(u for u in owner.member_units if u.name == "Koloko")
    assert koloko.has_geometry
    assert [u.name for u in owners_service.member_summary(owner).without_geometry] == [
        "Faramana", "Kayan", "Morolaba", "N'Dorola", "Sindo"]


def test_a_neighbour_unit_is_chosen_by_code(admin_client, session):
    bf = session.scalar(sa.select(AdminUnit).where(AdminUnit.country_iso3 == "BFA", AdminUnit.name == "Kenedougou"))
    data = {"name": "Union Sikasso–Kénédougou", "kind": "union", "member_codes_text": "ML030711",
            "foreign_codes_text": bf.code}
    assert post(admin_client, "/groupements/nouveau", data).status_code == 302
    owner = grouping_named(session, "Union Sikasso–Kénédougou")
    assert {u.code for u in owner.member_units} == {"ML030711", bf.code}


# --- refusals: French messages, 4xx, nothing saved, input kept -------------------------------------------------

def refused(client, session, data, status, url="/groupements/nouveau") -> str:
    before = counts(session)
    response = post(client, url, data)
    assert response.status_code == status, text(response)[:2000]
    assert counts(session) == before, "nothing may be saved"
    html = text(response)
    assert "Le groupement n'a pas été enregistré" in html or "modifié par quelqu'un d'autre" in html
    return html


def test_a_duplicate_name_is_a_409_and_keeps_the_input(admin_client, session):
    yelimane_grouping(session)
    html = refused(admin_client, session, sicm_form(name="syndicat intercommunal du cercle de YELIMANE (sicm)"), 409)
    assert "Un groupement porte déjà ce nom : « Syndicat intercommunal du cercle de Yélimané (SICM) »" in html
    assert 'value="syndicat intercommunal du cercle de YELIMANE (sicm)"' in html
    assert "ML010706" in html and 'value="Arrêté n°0042/CY"' in html


def test_one_member_is_not_a_grouping(admin_client, session):
    html = refused(admin_client, session, sicm_form(member_codes_text="ML010701"), 400)
    assert "Un groupement intercommunal réunit au moins 2 communes maliennes (1 choisie)." in html


def test_a_cross_border_grouping_without_foreign_member_is_refused(admin_client, session):
    data = kenedougou_form(**rows(*[("", "")] * 6))
    html = refused(admin_client, session, data, 400)
    assert "Un groupement transfrontalier comprend au moins une collectivité étrangère" in html
    # The members chosen with the picker come back as chosen items.
    for code in KENEDOUGOU_MALI_CODES:
        assert f'name="member_codes" value="{code}"' in html
    assert "Finkolo" in html


def test_an_unknown_pcode_is_refused(admin_client, session):
    html = refused(admin_client, session, sicm_form(member_codes_text="ML010701\nML019999"), 400)
    assert "Code inconnu : « ML019999 »." in html
    assert "ML010701\nML019999" in html  # the textarea keeps what was typed


def test_a_member_listed_twice_is_refused(admin_client, session):
    data = sicm_form(member_codes=["ML010701"])
    html = refused(admin_client, session, data, 400)
    assert "« Diafounou Diongaga » (ML010701) figure deux fois dans la liste des membres." in html


def test_a_malformed_geojson_is_refused_next_to_its_row(admin_client, session):
    data = kenedougou_form(**rows(("Koloko", "BFA", b"{ pas du json"), start=2))
    html = refused(admin_client, session, data, 400)
    assert "Le fichier n&#39;est pas un fichier JSON lisible" in html
    row = re.search(r'<tr class="has-error">(.*?)</tr>', html, re.S).group(1)
    assert 'value="Koloko"' in row and "JSON lisible" in row
    assert 'value="N&#39;Dorola"' in html  # the other rows are kept


def test_a_geojson_without_polygon_or_outside_wgs84_is_refused(admin_client, session):
    line = {"type": "LineString", "coordinates": [[-4.9, 11.2], [-4.8, 11.3]]}
    html = refused(admin_client, session,
                   kenedougou_form(**rows(("Koloko", "BFA", json.dumps(line).encode()), start=2)), 400)
    assert "ne contient aucun polygone" in html
    utm = {"type": "Polygon",
           "coordinates": [[[500000, 1200000], [510000, 1200000], [510000, 1210000], [500000, 1200000]]]}
    html = refused(admin_client, session,
                   kenedougou_form(**rows(("Koloko", "BFA", json.dumps(utm).encode()), start=2)), 400)
    assert "hors des limites" in html


def test_an_oversized_geojson_is_a_413(admin_client, session):
    big = json.dumps(SQUARE).encode() + b" " * (2 * 1024 * 1024)
    html = refused(admin_client, session, kenedougou_form(**rows(("Koloko", "BFA", big), start=2)), 413)
    assert "Le fichier GeoJSON est trop volumineux" in html


def test_a_polygon_received_with_another_error_is_kept_for_the_next_try(admin_client, session):
    data = kenedougou_form(kind="", **rows(("Koloko", "BFA", json.dumps(SQUARE).encode()), start=2))
    html = refused(admin_client, session, data, 400)
    assert "Choisissez le type de groupement" in html
    kept = re.search(r'name="(foreign_polygon_geojson-\d+)" value="([^"]+)"', html)
    assert kept and "Polygone reçu (5 sommets) : conservé." in html
    import html as html_module
    again = kenedougou_form(**{kept.group(1): html_module.unescape(kept.group(2))},
                            **rows(("Koloko", "BFA"), start=int(kept.group(1).split("-")[1])))
    assert post(admin_client, "/groupements/nouveau", again).status_code == 302
    owner = grouping_named(session, KENEDOUGOU_NAME)
    assert next(u for u in owner.member_units if u.name == "Koloko").has_geometry


def test_more_rows_can_be_added_without_javascript(admin_client, session):
    before = counts(session)
    data = kenedougou_form(action="add_rows", **rows(("", ""), ("", ""), ("", ""), start=6))  # 6 typed, 3 blank
    response = post(admin_client, "/groupements/nouveau", data)
    assert response.status_code == 200 and counts(session) == before
    html = text(response)
    assert 'name="foreign_name-11"' in html and 'name="foreign_name-12"' not in html  # 3 more blank rows
    assert 'value="Sindo"' in html and "n'a pas été enregistré" not in html


# --- editing, conflicts, deleting --------------------------------------------------------------------------------

def test_the_edit_form_carries_the_members_and_the_version(admin_client, session):
    owner = kenedougou_grouping(session)
    html = text(admin_client.get(f"/groupements/{owner.id}/modifier"))
    assert f'name="version_id" type="hidden" value="{owner.version_id}"' in html
    assert "ML030711  Finkolo" in html
    assert 'value="Faramana"' in html and 'value="N&#39;Dorola"' in html


def test_an_admin_edits_a_grouping(admin_client, session):
    owner = yelimane_grouping(session)
    version = owner.version_id
    data = sicm_form(name="SICM", member_codes_text="\n".join(YELIMANE_CODES[:3]), version_id=str(version))
    response = post(admin_client, f"/groupements/{owner.id}/modifier", data)
    assert response.status_code == 302, text(response)
    owner = grouping_named(session, "SICM")
    assert owner.version_id > version and len(owner.members) == 3
    expected = geo.union(full_geometry(session, c) for c in YELIMANE_CODES[:3])
    assert owners_service.owner_geometry(owner).area == pytest.approx(expected.area, rel=1e-9)


def test_a_stale_edit_is_a_409_that_shows_the_stored_version_and_keeps_the_input(admin_client, session):
    owner = yelimane_grouping(session)
    stale = owner.version_id
    owners_service.update_grouping(session, owner, stale, kind="syndicat", name="SICM (renommé)",
                                   member_codes=YELIMANE_CODES)
    session.commit()
    before = counts(session)
    data = sicm_form(name="Mon nouveau nom", member_codes_text="\n".join(YELIMANE_CODES[:2]), version_id=str(stale))
    response = post(admin_client, f"/groupements/{owner.id}/modifier", data)
    assert response.status_code == 409
    html = text(response)
    assert "Version enregistrée actuellement" in html and "SICM (renommé)" in html
    assert 'value="Mon nouveau nom"' in html
    current = grouping_named(session, "SICM (renommé)")
    assert f'name="version_id" type="hidden" value="{current.version_id}"' in html
    assert counts(session) == before and len(current.members) == 12


def test_deleting_needs_a_confirmation(admin_client, session):
    owner = kenedougou_grouping(session)
    html = text(admin_client.get(f"/groupements/{owner.id}/supprimer"))
    assert "Supprimer le groupement « GLCT-Kénédougou » ?" in html and "Supprimer définitivement" in html
    response = admin_client.post(f"/groupements/{owner.id}/supprimer", data={"version_id": owner.version_id})
    assert response.status_code == 302
    assert grouping_named(session, KENEDOUGOU_NAME) is None
    assert "Groupement supprimé : GLCT-Kénédougou." in text(admin_client.get("/groupements/"))


def test_a_grouping_in_use_is_not_deleted(admin_client, session, make_user):
    owner = yelimane_grouping(session)
    make_user("planner", owners=[owner])
    html = text(admin_client.get(f"/groupements/{owner.id}/supprimer"))
    assert "rattaché à 1 compte utilisateur" in html and "Supprimer définitivement" not in html
    response = admin_client.post(f"/groupements/{owner.id}/supprimer", data={"version_id": owner.version_id})
    assert response.status_code == 409
    assert grouping_named(session, YELIMANE_NAME) is not None


def test_a_stale_delete_is_a_409(admin_client, session):
    owner = yelimane_grouping(session)
    response = admin_client.post(f"/groupements/{owner.id}/supprimer", data={"version_id": owner.version_id - 1})
    assert response.status_code == 409 and grouping_named(session, YELIMANE_NAME) is not None


def test_forms_are_protected_against_csrf(app, admin_client, session):
    app.config["WTF_CSRF_ENABLED"] = True
    before = counts(session)
    assert post(admin_client, "/groupements/nouveau", sicm_form()).status_code == 400
    assert counts(session) == before
    token = csrf_token_from(text(admin_client.get("/groupements/nouveau")))
    assert post(admin_client, "/groupements/nouveau", sicm_form(csrf_token=token)).status_code == 302
    owner = grouping_named(session, YELIMANE_NAME)
    html = text(admin_client.get(f"/groupements/{owner.id}/supprimer"))
    assert admin_client.post(f"/groupements/{owner.id}/supprimer",
                             data={"version_id": owner.version_id}).status_code == 400
    response = admin_client.post(f"/groupements/{owner.id}/supprimer",
                                 data={"version_id": owner.version_id, "csrf_token": csrf_token_from(html)})
    assert response.status_code == 302
