"""Browser tests: Playwright drives Debian's chromium against the app served on 127.0.0.1
(docs/ARCHITECTURE.md, pitfall 13).

- `live_server`: the app on a free loopback port, in a thread, on its own copy of the migrated, territory-loaded
  database, with CSRF ON (a browser posts the token like a person does), and the demo accounts of `E2E_USERS`.
- `guarded_page`: a page that records console errors, uncaught page errors, server errors (5xx) and every request
  to another host (which fails in the browser: its proxy, for any host but the loopback, is a closed port); the
  test FAILS when it ends if anything was recorded (and its teardown errors for anything recorded later), so a test
  cannot forget to look.
- `log_in(page, role)`: logs in through the login form.
- `sized_page`: a guarded page at each of the planner's window sizes (`WINDOW_SIZES`, a laptop and a tablet) on which
  every page loaded that is wider than the window is a recorded problem, so a test walking pages on it asserts on
  each of them that nothing scrolls sideways.

Never `playwright install`: the browser is Debian's (`apt-get install chromium`, done by .ci/run). On a laptop
without chromium the browser tests are skipped; in CI (CI set) they fail instead.
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from plans.accounts.models import Role
from tests.conftest import TEST_PASSWORD, require_tool
from tests.conftest import app_config as config_for

CHROMIUM_ARGS = [
    "--no-sandbox",  # required as root (CI)
    "--disable-gpu",
    "--disable-background-networking",  # with the four below: no call to Google's hosts from the browser itself
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Every request to another host goes to a proxy that is not there (port 9, discard), so it fails at once and
    # nothing leaves the machine; the loopback, where the app is served, never goes through a proxy. guarded_page
    # records each such request, which fails the test.
    "--proxy-server=http://127.0.0.1:9",
]

# role → e-mail; every account's password is TEST_PASSWORD.
E2E_USERS = {
    Role.PLANNER: "planificateur@koniakary.ml",
    Role.REVIEWER: "relecteur@dgct.ml",
    Role.ADMIN: "admin@dgct.ml",
}
PLANNER_COMMUNE = "ML010115"  # Koniakary (cercle and région de Kayes)
WINDOW_SIZES = {"portable": (1366, 768), "tablette": (768, 1024)}
# Run in every document the context loads, after its layout: a page wider than the window is reported as a console
# error, which the guard records (an init script is injected by the browser itself, so the page's CSP does not apply).
_TOO_WIDE = """
window.addEventListener("load", () => {
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) {
    console.error(`page plus large que la fenêtre : ${width} px pour ${window.innerWidth} px (${location.pathname})`);
  }
});
"""


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e/ carries the e2e marker (`pytest -m "not e2e"` for a quick run on a laptop)."""
    for item in items:
        if "e2e" in item.path.parts and item.get_closest_marker("e2e") is None:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Overrides pytest-playwright's fixture: Debian's chromium, never a downloaded browser."""
    executable = require_tool("chromium", "chromium")
    return {**browser_type_launch_args, "executable_path": executable, "headless": True, "args": CHROMIUM_ARGS}


def _seed_users() -> None:
    from plans.accounts import service as accounts_service
    from plans.owners import service as owners_service

    koniakary = owners_service.commune_owner(db.session, PLANNER_COMMUNE)
    for role, email in E2E_USERS.items():
        accounts_service.create_user(db.session, email=email, password=TEST_PASSWORD, role=role,
                                     full_name=f"Démo {role.label}",
                                     owners=[koniakary] if role is Role.PLANNER else [])
    db.session.commit()


@pytest.fixture(scope="session")
def live_server(databases, template_database):
    url = databases.copy_of(template_database)  # a file (SQLite) or a server database, never sqlite://
    app = create_app(config_for(url, WTF_CSRF_ENABLED=True))
    with app.app_context():
        _seed_users()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: a free port
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
        databases.drop(url)


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright's base URL: `page.goto("/territoire/")` goes to the live server."""
    return live_server


@pytest.fixture
def guarded_page(page, context, live_server):
    page.set_default_timeout(10_000)
    problems: list[str] = []
    origin = live_server + "/"

    def on_console(message):
        if message.type == "error":
            problems.append(f"console : {message.text} ({message.location.get('url', '')})")

    def on_response(response):
        if response.url.startswith(origin) and response.status >= 500:
            problems.append(f"erreur serveur {response.status} : {response.url}")

    def guard(request):
        url = request.url
        if not (url.startswith(origin) or url.startswith(("data:", "blob:"))):
            problems.append(f"requête externe bloquée : {request.method} {url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"erreur JavaScript : {error}"))
    page.on("response", on_response)
    context.on("request", guard)  # the context's pages, popups included

    page.problems = problems
    page.problems_reported = 0
    yield page
    _fail_on_new_problems(page)  # those that arrived after the test's last step


def _fail_on_new_problems(page) -> None:
    try:  # a round trip, so that events already sent by the browser are delivered
        page.evaluate("0")
    except Exception:  # noqa: BLE001  a closed page has nothing more to say
        pass
    new = page.problems[page.problems_reported:]
    page.problems_reported = len(page.problems)
    if new:
        pytest.fail("La page a signalé des problèmes :\n  " + "\n  ".join(new), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A guarded page's problems fail the test itself (not only its teardown), even if it never looks at them."""
    result = yield
    page = getattr(item, "funcargs", {}).get("guarded_page")
    if page is not None:
        _fail_on_new_problems(page)
    return result


@pytest.fixture(params=list(WINDOW_SIZES))
def sized_page(request, guarded_page, context):
    """The guarded page at one of WINDOW_SIZES (the test runs at each); the width check covers every page of the
    context, so a second tab the test opens is checked too (give it the same size: `page.viewport_size`)."""
    width, height = WINDOW_SIZES[request.param]
    guarded_page.set_viewport_size({"width": width, "height": height})
    context.add_init_script(_TOO_WIDE)
    guarded_page.window_size = request.param
    return guarded_page


@pytest.fixture
def log_in():
    """log_in(page, role): through the login form, as a person does; ends on the home page."""
    from playwright.sync_api import expect

    def _log_in(page, role: Role = Role.PLANNER):
        page.goto("/compte/connexion")
        page.get_by_label("Adresse électronique").fill(E2E_USERS[Role(role)])
        page.get_by_label("Mot de passe", exact=True).fill(TEST_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
        return page

    return _log_in
