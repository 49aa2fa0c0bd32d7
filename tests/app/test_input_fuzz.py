"""What comes in without a form, fuzzed like the forms (tests/app/test_form_fuzz.py): the plan file a planner uploads
and the partner API's query parameters and path (issue 14, item 6). Never a 500: an upload is imported (303) or
refused in French with nothing changed (400); the API answers in JSON, a refusal being {"erreur": "…"} in French.

hypothesis mutates a real plan file (Koniakary's demonstration plan, docs/DOMAIN.md §14 TC1): values replaced by
text, numbers past any column, lone surrogates, wrong types, keys dropped or added, rows copied, the bytes cut or
spliced. derandomize=True: CI runs the same examples every time.
"""
from __future__ import annotations

import copy
import io
import json
from datetime import datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.extensions import db
from plans.accounts import api_tokens as api_tokens_service
from plans.accounts.models import Role
from plans.demo.data import TC1_UUID, TC3_UUID
from plans.planning.models import Plan
from plans.review import planfile
from tests.app.test_form_fuzz import HUGE, NASTY

FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


@pytest.fixture
def database_url(databases, seeded_template_database):
    """Each test: a copy of the territory plus the demonstration plans (seeded once per run)."""
    url = databases.copy_of(seeded_template_database)
    yield url
    databases.drop(url)


# ----- The plan file ------------------------------------------------------------------------------------------------

SURROGATES = ["\ud800", "a\udfffb", "\udc80" * 3, "\ud83d"]  # alone: JSON allows the escape, UTF-8 has no such char
NUMBERS = [0, -1, 2**31, 2**31 - 1, 2**63, -(2**63), 10**20, 10**400, 1e308, -1e-308, 0.5, 2200, 1899, 999999]
scalars = st.one_of(
    st.sampled_from(NASTY + HUGE + SURROGATES), st.sampled_from(NUMBERS), st.text(max_size=30),
    st.integers(min_value=-10**30, max_value=10**30), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.none(),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "Nd", "So", "Cf", "Lu"]), max_size=12),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                           max_leaves=6)


def _same_type(value):
    """A value of the same JSON type: what a schema lets through."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):  # past 32 and 64 bits, around the years of a period, small ones
        return st.one_of(st.sampled_from([n for n in NUMBERS if isinstance(n, int)]),
                         st.integers(min_value=2**31 - 2, max_value=2**31 + 2), st.integers(min_value=-10**20,
                                                                                             max_value=10**20),
                         st.integers(min_value=0, max_value=3000))
    if isinstance(value, float):
        return st.one_of(st.floats(min_value=-180, max_value=180), st.sampled_from([1e308, -1e-308, 0.0, 90.0]))
    if isinstance(value, str):  # what UTF-8 cannot hold, nasty text, the same text changed
        return st.one_of(st.sampled_from(SURROGATES).map(lambda bad: value + bad),
                         st.sampled_from(NASTY + HUGE + SURROGATES), st.text(max_size=40),
                         st.sampled_from([value + "x" * 300, value.upper(), value * 20, value[:1]]))
    return json_values


def _paths(value, path=()):
    """Every place in the document: (path, value) for each key of each object and each item of each list."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, path + (index,))


def _parent(document, path):
    for part in path[:-1]:
        document = document[part]
    return document


@st.composite
def mutated_files(draw, document: dict) -> bytes:
    """The file with one to four changes, as bytes (json.dumps with ensure_ascii: a lone surrogate travels as its
    JSON escape), sometimes cut or spliced as bytes."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        places = [p for p, _ in _paths(document) if p]
        path = draw(st.sampled_from(places))
        parent, key = _parent(document, path), path[-1]
        operation = draw(st.sampled_from(["same type"] * 8 + ["replace", "replace", "drop", "add", "copy", "case"]))
        if operation == "same type":  # past the schema, to the rules and the database
            parent[key] = draw(_same_type(parent[key]))
        elif operation == "replace":
            parent[key] = draw(json_values)
        elif operation == "drop":
            del parent[key]
        elif operation == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["x", "\ud800", "id", "plan_id", "uuid"]))] = draw(json_values)
        elif operation == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif operation == "case" and isinstance(parent[key], str):
            parent[key] = parent[key].upper()
    data = json.dumps(document, ensure_ascii=True).encode("ascii")
    cut = draw(st.sampled_from([None] * 6 + ["cut", "splice"]))
    if cut == "cut":
        data = data[:draw(st.integers(min_value=0, max_value=len(data)))]
    elif cut == "splice":
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return data


@pytest.fixture
def tc1(session, make_user):
    plan = session.scalar(sa.select(Plan).where(Plan.uuid == TC1_UUID))
    planner = make_user(Role.PLANNER, email="planificateur@koniakary.ml", owners=[plan.owner])
    return plan, planner


def test_an_uploaded_plan_file_never_fails_on_any_content(app, session, tc1):
    plan, planner = tc1
    document = planfile.export_document(session, plan)
    client = app.test_client()
    client.post("/compte/connexion", data={"email": planner.email, "password": "Motdepasse-solide-2026"})
    assert client.get("/plans/importer").status_code == 200

    @settings(FUZZ, max_examples=80)
    @given(mutated_files(document))
    def fuzz(data):
        response = client.post("/plans/importer", content_type="multipart/form-data",
                               data={"fichier": (io.BytesIO(data), "plan.json")})
        html = response.get_data(as_text=True)
        statuses.append(response.status_code)
        assert response.status_code in (303, 400), html[-3000:]
        if response.status_code == 400:
            assert '<html lang="fr">' in html and 'class="flash flash-error"' in html
        db.session.rollback()

    statuses = []
    fuzz()
    print(f"\n[fuzz] plan file uploads: {statuses.count(303)} imported, {statuses.count(400)} refused")
    assert statuses.count(303) >= 3  # the mutations reach the rules and the database, not only the schema


def test_a_plan_file_never_fails_on_the_command_line(runner, session, tc1, tmp_path):
    """Fewer examples (each command builds its own context), the same mutations: never a traceback."""
    plan, _ = tc1
    document = planfile.export_document(session, plan)
    path = tmp_path / "plan.json"

    @settings(FUZZ, max_examples=15)
    @given(mutated_files(document))
    def fuzz(data):
        path.write_bytes(data)
        result = runner.invoke(args=["plans", "import", str(path)])
        assert result.exit_code in (0, 1) and (result.exception is None or isinstance(result.exception, SystemExit)), \
            result.output[-3000:]
        assert "Traceback" not in result.output

    fuzz()


# ----- The partner API ----------------------------------------------------------------------------------------------

@st.composite
def instants(draw) -> str:
    """ISO 8601 dates and instants from year 1 to 9999, with or without a time, a fraction, "Z" or an offset up to
    ±23:59 (what datetime.fromisoformat reads), now and then broken."""
    moment = draw(st.one_of(  # the ends of what datetime holds, where an offset carries the instant past them
        st.sampled_from([datetime(1, 1, 1), datetime(1, 1, 1, 3, 30), datetime(9999, 12, 31, 23, 59, 59),
                         datetime(9999, 12, 31, 20)]),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))))
    text = moment.date().isoformat() if draw(st.booleans()) else moment.isoformat()
    if "T" in text:
        minutes = draw(st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59))
        text += draw(st.sampled_from(["", "Z", "+05:00", "-05:00", "+23:59", "-23:59",
                                      f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:"
                                      f"{abs(minutes) % 60:02d}"]))
    if draw(st.integers(min_value=0, max_value=5)) == 0:  # broken: a character changed
        at = draw(st.integers(min_value=0, max_value=len(text) - 1))
        text = text[:at] + draw(st.sampled_from(list("0:-+TZ ") + ["99", "\u00b2"])) + text[at + 1:]
    return text


whole_numbers = st.one_of(st.integers(min_value=-10**25, max_value=10**25).map(str), st.sampled_from(NASTY + HUGE),
                          st.integers(min_value=0, max_value=300).map(str))
PARAMETERS = {
    "page": whole_numbers, "per_page": whole_numbers, "revision": whole_numbers,
    "status": st.one_of(st.sampled_from(["brouillon", "adopte", "ADOPTE", "en revue"]), st.text(max_size=20)),
    "region": st.one_of(st.sampled_from(["ML01", "ml01", "ML010115", "ML99", "XX01"]), st.text(max_size=12)),
    "since": st.one_of(instants(), instants(), st.sampled_from(NASTY), st.text(max_size=30)),
    "x": st.text(max_size=10),
}
query = st.fixed_dictionaries({}, optional={name: st.lists(values, min_size=1, max_size=2)
                                            for name, values in PARAMETERS.items()})
plan_keys = st.one_of(st.sampled_from([TC1_UUID, TC1_UUID.upper(), "{" + TC3_UUID + "}", TC3_UUID.replace("-", ""),
                                       "urn:uuid:" + TC1_UUID, "00000000-0000-4000-8000-000000000000"]),
                      st.text(max_size=40).filter(lambda t: "/" not in t and "?" not in t and "#" not in t))


@pytest.fixture
def token(session, make_user):
    issued = api_tokens_service.create_token(session, make_user(Role.REVIEWER, email="fuzz@dgct.ml"), "Fuzz")
    session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def _french_json(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[-2000:]
    assert response.mimetype == "application/json"
    if response.status_code >= 400:
        assert set(response.get_json()) == {"erreur"}


def test_the_api_never_fails_on_any_query(client, token):
    @settings(FUZZ, max_examples=150)  # two cheap reads each
    @given(query, plan_keys)
    def fuzz(params, key):
        _french_json(client.get("/api/v1/plans", query_string=params, headers=token))
        _french_json(client.get(f"/api/v1/plans/{key}", query_string=params, headers=token))

    fuzz()
