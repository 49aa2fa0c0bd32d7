"""Every form of the plan builder, posted with whatever a person (or a broken browser) may send: control
characters, huge or negative numbers, empty or missing fields, unicode, duplicated keys, stray rows. Never a 500:
the save goes through (3xx) or the form comes back in French with what was typed (4xx).

The fields posted are those of the form as the page renders it (parsed from the HTML), so a field added to a
template is fuzzed too. hypothesis varies them (derandomize=True: CI runs the same examples every time).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from app.extensions import db
from plans.core.text import without_control_characters
from plans.demo.data import TC1_UUID
from plans.planning.models import Action, DiasporaAssociation, Plan, SectionState
from plans.planning.sectiondata.common import parse_id
from tests.system.html_forms import form_fields


def posted_fields(client, page_url: str, form_action: str = "") -> list[tuple[str, str]]:
    response = client.get(page_url)
    assert response.status_code == 200
    fields = form_fields(response.get_data(as_text=True), form_action)
    assert fields, f"no field in the form {form_action!r} of {page_url}"
    return fields


# Bounded: ~40 posts per form, the same ones on every run, no shrinking (a failure prints the example as found,
# instead of minutes spent minimising it on a loaded CI machine).
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


# ----- What hypothesis types ------------------------------------------------------------------------------------

NASTY = ["", " ", "0", "-1", "-0", "+5", "1 500 000", "1.500.000", "1\u00a0500\u00a0000", "1,5", "12,345",
         "9" * 40, "-" + "9" * 30, "1e308", "NaN", "inf", "١٢٣", "²", "\x00", "\x00\x01\x1f\x7f", "\r\n\r\n",
         "\u202eحرف", "😀" * 3, "<script>alert(1)</script>", "{{ 7*7 }}", "${7*7}", "' OR 1=1 --", "é" * 301,
         "x" * 5000, "2025-02-30", "0000-00-00", "99999-01-01", "true", "on", "y", "None", "null"]
# Numbers past what a column holds: a count beyond 32 bits, a quantity beyond Numeric(14, 3), an amount past 10^15.
HUGE = ["2147483648", "9" * 12, "100000000000", "1 000 000 000 000", "9" * 16, "9" * 25, "-2147483649"]
values = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(HUGE),
    st.text(max_size=40),
    st.integers(min_value=-10**25, max_value=10**25).map(str),
    st.integers(min_value=-3, max_value=2100).map(str),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "Nd", "So", "Cf"]), max_size=12),
)
# The hidden version a form carries: mostly the right one (KEEP: the save reaches the rules), else anything.
KEEP = object()
versions = st.one_of(st.just(KEEP), st.just(KEEP), st.just(KEEP), values)
# The text field whose value must come back on a refused form: nasty text, never dropped.
echo_texts = st.one_of(st.text(max_size=60), st.sampled_from(NASTY))
OPERATIONS = ["drop", "replace", "replace", "duplicate"]


@st.composite
def mutated(draw, fields: list[tuple[str, str]], echo: str):
    """The form as the page filled it, with a few fields dropped, replaced or sent twice (or, now and then,
    every field at random), stray fields added (rows the form never offered, the buttons' names), and the echo
    field typed with nasty text. Returns the pairs to post and the text typed in the echo field."""
    names = list(dict.fromkeys(name for name, _ in fields))
    assert echo in names, f"{echo} is not a field of the form"
    fuzzable = [n for n in names if n not in ("version", "csrf_token", echo)]
    if draw(st.integers(min_value=0, max_value=7)) == 0:
        changes = {n: draw(st.sampled_from(["keep"] + OPERATIONS)) for n in fuzzable}
    else:
        chosen = draw(st.lists(st.sampled_from(fuzzable), max_size=5, unique=True))
        changes = {n: draw(st.sampled_from(OPERATIONS)) for n in chosen}
    echo_value = draw(echo_texts)
    out: list[tuple[str, str]] = []
    for name, value in fields:
        if name in ("version", "csrf_token"):
            continue
        operation = "echo" if name == echo else changes.get(name, "keep")
        if operation == "echo":
            out.append((name, echo_value))
        elif operation == "keep":
            out.append((name, value))
        elif operation == "replace":
            out.append((name, draw(values)))
        elif operation == "duplicate":
            out.extend([(name, draw(values)), (name, value)])
    row_prefixes = sorted({n.rsplit("-", 2)[0] for n in names if n.count("-") >= 2})
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        kind = draw(st.sampled_from(["row", "button", "unknown"]))
        if kind == "row" and row_prefixes:
            prefix = draw(st.sampled_from(row_prefixes))
            index = draw(st.sampled_from(["7", "99999", "0", "-1"]))
            leaf = draw(st.sampled_from([n.rsplit("-", 1)[1] for n in names if n.startswith(prefix + "-")]))
            out.append((f"{prefix}-{index}-{leaf}", draw(values)))
        elif kind == "button":
            out.append((draw(st.sampled_from(["add_row", "spread"])), draw(st.sampled_from(names + ["", "x"]))))
        else:
            out.append((draw(st.text(max_size=10)) or "x", draw(values)))
    return out, echo_value


def assert_answer(response, typed: str, strip: bool):
    """Never a server error; a refusal is a French page that shows back what was typed."""
    html = response.get_data(as_text=True)
    assert response.status_code < 500, html[-3000:]
    if response.status_code >= 400:
        assert '<html lang="fr">' in html
        shown = without_control_characters(typed)  # as app/request_input.py cleans every post
        shown = shown.strip() if strip else shown
        assert str(escape(shown)) in html, f"{shown!r} not shown back ({response.status_code})"


def post(client, url: str, pairs: list[tuple[str, str]], version=None, posted_version=KEEP):
    """`version`: the one the form was loaded with; `posted_version` (hypothesis' `versions`) replaces it."""
    data = MultiDict(pairs)
    if posted_version is not KEEP:
        data.add("version", posted_version)
    elif version is not None:
        data.add("version", str(version))
    return client.post(url, data=data)


def fresh_section_version(plan_id: int, key: str) -> int:
    db.session.rollback()  # the test's own session must see what the requests committed
    return db.session.scalar(db.select(SectionState.version).where(SectionState.plan_id == plan_id,
                                                                   SectionState.section == key)) or 0


@pytest.fixture
def database_url(databases, seeded_template_database):
    """Each test: a copy of the territory plus the demonstration plans (tests/conftest.py, seeded once per run)."""
    url = databases.copy_of(seeded_template_database)
    yield url
    databases.drop(url)


@pytest.fixture
def tc1(session, planner):
    """Koniakary's demonstration plan (docs/DOMAIN.md §14 TC1): every section filled, four actions, two diaspora
    associations; `planner` (attached to Koniakary) may edit it. Its forms come filled, so a fuzzed field lands
    among valid ones and reaches the rules and the database, not only the first validator."""
    return session.scalar(db.select(Plan).where(Plan.uuid == TC1_UUID))


# ----- The section forms ----------------------------------------------------------------------------------------

# section → (a text field of its form that must come back on refusal, whether the field trims what was typed)
SECTION_ECHO = {
    "identification": ("title", True),
    "situation": ("findings-0-text", False),
    "migration": ("source", True),
    "orientations": ("axes-0-title", True),
    "suivi": ("indicators-0-name", True),
}


@pytest.mark.parametrize("section_key", list(SECTION_ECHO))
def test_a_section_form_never_fails_on_any_input(planner_client, tc1, section_key):
    url = f"/plans/{tc1.id}/{section_key}"
    fields = posted_fields(planner_client, url)
    echo, strip = SECTION_ECHO[section_key]
    plan_id = tc1.id

    @FUZZ
    @given(mutated(fields, echo), versions)
    def fuzz(posted, version):
        pairs, typed = posted
        response = post(planner_client, url, pairs, fresh_section_version(plan_id, section_key), version)
        assert_answer(response, typed, strip)

    fuzz()


def test_the_diaspora_association_form_never_fails_on_any_input(planner_client, tc1):
    action = f"/plans/{tc1.id}/migration/associations"
    fields = posted_fields(planner_client, f"/plans/{tc1.id}/migration/associations/"  # its own page
                           f"{db.session.scalar(db.select(DiasporaAssociation.id))}/modifier", action)

    @FUZZ
    @given(mutated(fields, "association-name"), st.booleans())
    def fuzz(posted, as_new):
        pairs, typed = posted
        if as_new:  # the same form, adding an association instead of changing one
            pairs = [(n, "" if n == "association-association_id" else v) for n, v in pairs]
        response = post(planner_client, action, pairs)
        hidden_id = without_control_characters(next((v for n, v in pairs if n == "association-association_id"), ""))
        if hidden_id and parse_id(hidden_id) is None or response.status_code == 404:
            # A forged hidden id: refused with a French page (there is no typed association to give back).
            assert response.status_code in (400, 404) and '<html lang="fr">' in response.get_data(as_text=True)
        else:
            assert_answer(response, typed, strip=True)

    fuzz()


# ----- The action form ------------------------------------------------------------------------------------------

def test_a_new_action_form_never_fails_on_any_input(planner_client, tc1):
    url = f"/plans/{tc1.id}/actions/nouvelle"
    # A filled form as a planner would post it (a blank one would stop at "title missing" every time).
    fields = posted_fields(planner_client, f"/plans/{tc1.id}/actions/{tc1.actions[0].id}")
    fields = [(n, v) for n, v in fields if n != "version"]

    @FUZZ
    @given(mutated(fields, "title"))
    def fuzz(posted):
        pairs, typed = posted
        assert_answer(post(planner_client, url, pairs), typed, strip=True)

    fuzz()


def test_an_existing_action_form_never_fails_on_any_input(planner_client, tc1):
    action_id = next(a.id for a in tc1.actions if any(ln.association_id for ln in a.funding_lines))
    url = f"/plans/{tc1.id}/actions/{action_id}"
    fields = posted_fields(planner_client, url)

    @FUZZ
    @given(mutated(fields, "title"), versions)
    def fuzz(posted, posted_version):
        pairs, typed = posted
        db.session.rollback()
        version = db.session.scalar(db.select(Action.version_id).where(Action.id == action_id))
        assert_answer(post(planner_client, url, pairs, version, posted_version), typed, strip=True)

    fuzz()


# ----- What the fuzzing found (each was a 500) -------------------------------------------------------------------

def _post_changed(client, url: str, version, **changes):
    fields = posted_fields(client, url)
    assert set(changes) <= {n for n, _ in fields}
    return post(client, url, [(n, changes.get(n, v)) for n, v in fields if n != "version"], version)


@pytest.mark.parametrize("section_key, field", [("identification", "process_steps-0-men"),
                                                ("situation", "population_records-0-value"),
                                                ("migration", "emigrants_total"),
                                                ("migration", "destinations-0-count")])
def test_a_count_beyond_what_the_database_holds_is_refused_in_french(planner_client, tc1, section_key, field):
    url = f"/plans/{tc1.id}/{section_key}"
    response = _post_changed(planner_client, url, fresh_section_version(tc1.id, section_key),
                             **{field: "99 999 999 999"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nombre trop élevé : vérifiez le nombre de chiffres." in html and 'value="99 999 999 999"' in html
    assert fresh_section_version(tc1.id, section_key) == 1  # the demo's save only


def test_a_quantity_beyond_its_column_is_refused_in_french(planner_client, tc1):
    action = tc1.actions[0]
    url = f"/plans/{tc1.id}/actions/{action.id}"
    schedule = {f"schedule-{y}": "" for y in tc1.years}
    response = _post_changed(planner_client, url, action.version_id, quantity="100000000000", unit_cost="1",
                             total_override="", override_reason="",
                             **{**schedule, "schedule-2025": "100 000 000 000"})
    assert response.status_code == 400
    assert "Quantité trop élevée : vérifiez le nombre de zéros." in response.get_data(as_text=True)


def test_a_nul_character_is_dropped_from_what_is_saved(planner_client, tc1):
    url = f"/plans/{tc1.id}/identification"
    response = _post_changed(planner_client, url, fresh_section_version(tc1.id, "identification"),
                             summary="Résumé\x00 collé d'un fichier")
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Plan, tc1.id).summary == "Résumé collé d'un fichier"


@pytest.mark.parametrize("section_key, field", [("identification", "process_steps-0-id"),
                                                ("situation", "findings-0-id"), ("migration", "destinations-0-id"),
                                                ("orientations", "axes-0-id"), ("suivi", "indicators-0-id")])
def test_a_forged_row_id_is_read_as_a_new_row(planner_client, tc1, section_key, field):
    url = f"/plans/{tc1.id}/{section_key}"
    for forged in ("²", "9" * 25):  # "²".isdigit() is True, yet int("²") fails
        response = _post_changed(planner_client, url, fresh_section_version(tc1.id, section_key), **{field: forged})
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def test_an_id_beyond_any_stored_one_is_a_404_in_french(planner_client, tc1):
    for url in ("/plans/99999999999999999999", f"/plans/{tc1.id}/actions/99999999999",
                "/plans/2147483648/identification"):
        response = planner_client.get(url)
        assert response.status_code == 404 and '<html lang="fr">' in response.get_data(as_text=True), url
    forged = planner_client.post(f"/plans/{tc1.id}/migration/associations",
                                 data={"association-association_id": "99999999999999999999",
                                       "association-name": "Enndam Jombuku", "association-host_country": "FR"})
    assert forged.status_code == 400 and "Association inconnue." in forged.get_data(as_text=True)
    assert planner_client.get(f"/plans/{tc1.id}/migration?association=²").status_code == 200


@pytest.mark.parametrize("section_key, echo", [(k, SECTION_ECHO[k][0]) for k in SECTION_ECHO] + [("actions", "title")])
@pytest.mark.parametrize("version", ["abc", "-1", "²", "9" * 5000])
def test_an_unreadable_version_is_a_french_400_that_keeps_what_was_typed(planner_client, tc1, section_key, echo,
                                                                         version):
    """The hidden version of every section form and of the action form: not a whole number, the form comes back
    (400, in French, what was typed kept) and nothing is saved; sent again as shown, the form meets the saved
    section (409: both versions side by side), never a 500."""
    url = (f"/plans/{tc1.id}/actions/{tc1.actions[0].id}" if section_key == "actions"
           else f"/plans/{tc1.id}/{section_key}")
    before = fresh_section_version(tc1.id, section_key)
    typed = "Saisie à garder « 2026 »"
    fields = [(n, typed if n == echo else v) for n, v in posted_fields(planner_client, url) if n != "version"]
    response = post(planner_client, url, fields + [("version", version)])
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[-2000:]
    assert '<html lang="fr">' in html and "numéro de version est illisible" in html
    assert str(escape(typed)) in html
    assert fresh_section_version(tc1.id, section_key) == before
    again = form_fields(html, "")
    assert ("version", "") in again and any(n == echo and v.strip() == typed for n, v in again)
    resent = post(planner_client, url, again)
    assert resent.status_code == 409 and str(escape(typed)) in resent.get_data(as_text=True)
    assert fresh_section_version(tc1.id, section_key) == before
