"""Login throttling under parallel guesses, as an attacker would send them: 40 wrong passwords at once against
gunicorn (2 workers × 4 threads), on SQLite and PostgreSQL. The count is atomic (plans/accounts/throttle.py): no more
than MAX_FAILURES_PER_ACCOUNT passwords are ever checked; every other guess is a 429 that checked nothing."""
from __future__ import annotations

import threading

import requests

from plans.accounts import throttle
from tests.conftest import TEST_PASSWORD, csrf_token_from
from tests.system.server import REQUEST_TIMEOUT, gunicorn_server  # noqa: F401  (the fixture `server`)

GUESSES = 40


def guess(url: str, email: str, password: str, start: threading.Barrier, answers: list, errors: list) -> None:
    try:
        browser = requests.Session()
        page = browser.get(url, timeout=REQUEST_TIMEOUT)
        token = csrf_token_from(page.text)
        start.wait(timeout=60)
        response = browser.post(url, data={"email": email, "password": password, "csrf_token": token},
                                allow_redirects=False, timeout=REQUEST_TIMEOUT)
        answers.append(response.status_code)
    except Exception as error:  # noqa: BLE001 - reported by the test
        errors.append(repr(error))


def test_parallel_guesses_check_no_more_passwords_than_the_limit(server, planner, session):
    session.commit()
    server.start()
    url = server.url + "/compte/connexion"
    start = threading.Barrier(GUESSES)
    answers: list[int] = []
    errors: list[str] = []
    threads = [threading.Thread(target=guess, args=(url, planner.email, f"mauvais-{i:02d}-mot", start, answers,
                                                     errors)) for i in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(answers) == GUESSES
    checked = answers.count(401)
    assert set(answers) <= {401, 429}, answers
    assert 1 <= checked <= throttle.MAX_FAILURES_PER_ACCOUNT, f"{checked} passwords checked: {sorted(answers)}"
    # The account stays blocked, even for the right password.
    browser = requests.Session()
    page = browser.get(url, timeout=REQUEST_TIMEOUT)
    right = browser.post(url, data={"email": planner.email, "password": TEST_PASSWORD,
                                    "csrf_token": csrf_token_from(page.text)}, allow_redirects=False,
                         timeout=REQUEST_TIMEOUT)
    assert right.status_code == 429
