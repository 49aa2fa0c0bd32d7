"""Fixtures: a fresh database per test (territory loaded), the app, clients logged in per role."""
from __future__ import annotations

import contextvars
import hashlib
import os
import re
import shutil
import tempfile

import pytest
from flask.testing import FlaskClient
from werkzeug.routing.rules import Rule

from app import create_app
from app.extensions import db
from plans.accounts.models import Role
from tests.databases import DatabaseFactory

TEST_PASSWORD = "Motdepasse-solide-2026"
# Production hashes with scrypt (~0.2 s a hash, and as much to check one); the tests hash with one round of
# PBKDF2, which werkzeug checks just as well. tests/plans/test_password_hashing.py proves production's scrypt.
TEST_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"


# The modules whose tests take longest, run first, each in its usual order (then every other module, as collected).
# `make test` runs pytest-xdist with --dist worksteal: each worker takes half the list, and a worker that runs out
# takes the end of the other's queue. With the long tests at the start, what is left to share at the end is short
# tests, and the two workers end together instead of one waiting alone on a one-minute test. The order: the
# longest single tests first (four LibreOffice conversions, gunicorn under twenty editors and kill -9, the largest
# plan, a fresh interpreter hashing with scrypt), then the browser tests, then the hypothesis and upload-bomb tests.
RUN_FIRST = (
    "tests/plans/test_export_pdf.py", "tests/system/", "tests/plans/test_largest_plan.py",
    "tests/plans/test_password_hashing.py", "tests/e2e/", "tests/plans/test_properties.py",
    "tests/app/test_form_fuzz.py", "tests/app/test_input_fuzz.py", "tests/app/test_template_upload_safety.py",
    "tests/plans/test_template_safety.py", "tests/plans/test_official_names.py", "tests/app/test_export_docx.py",
    "tests/plans/test_export_docx.py", "tests/plans/test_execution_report.py", "tests/app/test_security_headers.py",
    "tests/plans/test_figures_agree.py", "tests/plans/test_identity.py",
)


def pytest_collection_modifyitems(config, items):
    """RUN_FIRST's modules first, in its order; a stable sort keeps every module's own tests together and in order."""
    def rank(item) -> int:
        path = item.path.relative_to(config.rootpath).as_posix()
        return next((n for n, prefix in enumerate(RUN_FIRST) if path.startswith(prefix)), len(RUN_FIRST))

    items.sort(key=rank)


def require_tool(name: str, debian_package: str) -> str:
    """The path of an external tool the test needs. Missing: a skip on a developer laptop, a failure in CI."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} introuvable : installez le paquet Debian {debian_package} (voir .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def heavy_lock_dir(database_url: str) -> str:
    """The lock files of the expensive work's places (plans/core/pool.py), one folder per test database: tests run
    in parallel must not take each other's places. (Turns are off, HEAVY_TURNS: a test asks for the same export twice
    faster than anyone clicks; tests/app/test_heavy_work.py turns them on.)"""
    return os.path.join(tempfile.gettempdir(), "pdlm-test-verrous", hashlib.sha1(database_url.encode()).hexdigest())


def app_config(database_url: str, **extra) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "clef-de-test", "DEMO_DATA": False, "SERVER_NAME": None,
            # No LibreOffice conversion behind every .docx download: tests/app/test_export_pdf.py turns it on, and
            # never keeps a conversion in the instance folder (tests/plans/test_export_pdf.py tests the cache).
            "SOFFICE": "", "CONVERSION_CACHE_DIR": "",
            "HEAVY_LOCK_DIR": heavy_lock_dir(database_url), "HEAVY_TURNS": False,
            # the execution's photos never land in the worktree's instance folder
            "EVIDENCE_DIR": os.path.join(tempfile.gettempdir(), "pdlm-test-pieces",
                                         hashlib.sha1(database_url.encode()).hexdigest()), **extra}


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """For the whole session (before any session fixture creates an account): a cheap password hash."""
    from plans.accounts import service as accounts_service

    saved = accounts_service.PASSWORD_HASH_METHOD
    accounts_service.PASSWORD_HASH_METHOD = TEST_PASSWORD_HASH_METHOD
    yield
    accounts_service.PASSWORD_HASH_METHOD = saved


@pytest.fixture(scope="session", autouse=True)
def url_builders_compiled_once():
    """The suite makes an app per test (`app`, below): werkzeug compiles each of its ~450 URL rules into a URL
    builder with `compile()` every time (Rule._compile_builder), most of create_app's time. The builder's code
    depends only on what the key below holds (the rule's text, its parts, its defaults as the converter writes
    them), so the suite compiles each once and binds the same function to every app's rule, as werkzeug binds a
    fresh one; URLs are built exactly as in production (werkzeug 3.1, requirements.txt)."""
    compiled: dict[tuple, object] = {}
    original = Rule._compile_builder

    def compile_builder(rule: Rule, append_unknown: bool = True):
        defaults = rule.defaults or {}
        key = (rule.rule, tuple(rule._trace), tuple(defaults), append_unknown,
               tuple((name, rule._converters[name].to_url(defaults[name]))
                     for dynamic, name in rule._trace if dynamic and name in defaults))
        if key not in compiled:
            compiled[key] = original(rule, append_unknown)
        return compiled[key]

    Rule._compile_builder = compile_builder
    yield
    Rule._compile_builder = original


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def template_database(databases):
    """Migrated to head with Alembic (as production is) and loaded with the real territory, once per run."""
    from flask_migrate import upgrade

    from plans.territory.loader import load_geodata

    url = databases.empty()
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        load_geodata(db.session, app.config["GEODATA_DIR"])
        db.session.commit()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def seeded_template_database(databases, template_database):
    """The template plus the brief's three test cases (plans.demo.seed.seed_test_cases), seeded once per run."""
    from plans.demo import seed as demo

    url = databases.copy_of(template_database)
    app = create_app(app_config(url))
    with app.app_context():
        demo.seed_test_cases(db.session)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


@pytest.fixture
def database_url(request, databases, template_database):
    """A copy of the template for this test; of the seeded template when the test (or a fixture) asks `demo_cases`."""
    template = template_database
    if "demo_cases" in request.fixturenames:
        template = request.getfixturevalue("seeded_template_database")
    url = databases.copy_of(template)
    yield url
    databases.drop(url)


@pytest.fixture
def demo_cases(session):
    """The brief's three test cases are in the test's database, as `demo.seed_test_cases(session)` then a commit
    would leave them (same ids, same rows): asking for this fixture makes `database_url` copy the template seeded
    once per run instead of seeding again. Fixtures that set up accounts or the Koniakary owner before it get the
    same ids as before (the seed creates no account, and Koniakary is its first owner). Returns the session."""
    return session


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh application context, as in production.

    The `app` fixture keeps an app context pushed for the test's own queries; without this, Flask would reuse it
    for every request, so `g` (Flask-Login's current user) and the database session would leak from one request,
    and one client, to the next.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url):
    app = create_app(app_config(database_url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def make_user(app):
    from plans.accounts import service as accounts_service

    def make(role: Role | str = Role.PLANNER, email: str | None = None, owners=(), region=None, password=TEST_PASSWORD):
        role = Role(role)
        email = email or f"{role.value}{make.count}@exemple.ml"
        make.count += 1
        user = accounts_service.create_user(db.session, email=email, password=password, role=role,
                                            owners=list(owners), region=region, full_name=f"Test {role.value}")
        db.session.commit()
        return user

    make.count = 1
    return make


def login(client, email: str, password: str = TEST_PASSWORD):
    return client.post("/compte/connexion", data={"email": email, "password": password})


@pytest.fixture
def koniakary_owner(app):
    from plans.owners import service as owners_service

    owner = owners_service.commune_owner(db.session, "ML010115")
    db.session.commit()
    return owner


@pytest.fixture
def plan(session, planner, koniakary_owner):
    """A draft PDESC 2025-2029 of Koniakary, owned by the `planner`."""
    from plans.planning import service as plan_service

    plan = plan_service.create_plan(session, owner=koniakary_owner, title="PDESC de Koniakary 2025-2029",
                                    period_start=2025, user=planner)
    session.commit()
    return plan


@pytest.fixture
def planner(make_user, koniakary_owner):
    return make_user(Role.PLANNER, email="planificateur@koniakary.ml", owners=[koniakary_owner])


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.REVIEWER, email="relecteur@dgct.ml")


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, email="admin@dgct.ml")


def _logged_in(app, user):
    c = app.test_client()
    response = login(c, user.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return c


@pytest.fixture
def planner_client(app, planner):
    return _logged_in(app, planner)


@pytest.fixture
def reviewer_client(app, reviewer):
    return _logged_in(app, reviewer)


@pytest.fixture
def admin_client(app, admin):
    return _logged_in(app, admin)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)
