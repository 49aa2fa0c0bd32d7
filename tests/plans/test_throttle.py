"""Login throttling rules: how many failures block an account or a client address, for how long, and what ends it."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from plans.accounts import throttle
from plans.accounts.models import LoginAttempt
from plans.core.db import utcnow

EMAIL = "awa.traore@mairie.ml"
IP = "10.0.0.7"


def fail(session, times, email=EMAIL, ip=IP, at=None):
    started = None
    for _ in range(times):
        started = throttle.record_failure(session, email, ip, at)
    return started


def test_an_account_is_blocked_at_the_fifth_failure_for_fifteen_minutes(session):
    now = utcnow()
    assert fail(session, throttle.MAX_FAILURES_PER_ACCOUNT - 1, at=now) is None
    assert throttle.refusal(session, EMAIL, "10.9.9.9", now) is None
    started = throttle.record_failure(session, EMAIL, IP, now)
    assert started is not None and started.scope == "account"
    refused = throttle.refusal(session, EMAIL, "10.9.9.9", now)  # from any other address too
    assert refused.retry_after == 15 * 60
    assert refused.message == "Trop de tentatives de connexion. Réessayez dans 15 minutes."


def test_the_account_is_matched_whatever_the_case_and_spaces_of_the_address(session):
    now = utcnow()
    fail(session, throttle.MAX_FAILURES_PER_ACCOUNT, email="  Awa.Traore@Mairie.ML ", at=now)
    assert throttle.refusal(session, EMAIL, "10.9.9.9", now) is not None


def test_the_block_ends_when_the_failures_leave_the_window(session):
    start = utcnow() - timedelta(minutes=20)
    for minute in range(throttle.MAX_FAILURES_PER_ACCOUNT):  # at start, start+1 min, … start+4 min
        throttle.record_failure(session, EMAIL, IP, start + timedelta(minutes=minute))
    blocked_at = start + timedelta(minutes=5)
    refused = throttle.refusal(session, EMAIL, IP, blocked_at)
    assert refused.retry_after == 10 * 60  # the oldest failure leaves the 15-minute window at start + 15 min
    assert refused.message == "Trop de tentatives de connexion. Réessayez dans 10 minutes."
    assert throttle.refusal(session, EMAIL, IP, start + timedelta(minutes=14, seconds=59)).retry_after == 1
    assert throttle.refusal(session, EMAIL, IP, start + timedelta(minutes=15)) is None


def test_one_minute_left_is_said_in_the_singular(session):
    now = utcnow()
    fail(session, throttle.MAX_FAILURES_PER_ACCOUNT, at=now - timedelta(minutes=14, seconds=30))
    refused = throttle.refusal(session, EMAIL, IP, now)
    assert refused.retry_after == 30
    assert refused.message == "Trop de tentatives de connexion. Réessayez dans 1 minute."


def test_an_address_is_blocked_after_twenty_failures_on_different_accounts(session):
    now = utcnow()
    for i in range(throttle.MAX_FAILURES_PER_ADDRESS - 1):
        throttle.record_failure(session, f"compte{i}@mairie.ml", IP, now)
    assert throttle.refusal(session, "nouveau@mairie.ml", IP, now) is None
    started = throttle.record_failure(session, "dernier@mairie.ml", IP, now)
    assert started is not None and started.scope == "address"
    assert throttle.refusal(session, "nouveau@mairie.ml", IP, now).scope == "address"
    assert throttle.refusal(session, "nouveau@mairie.ml", "10.0.0.8", now) is None  # another post is not blocked


def test_a_success_clears_the_account_failures_only(session):
    now = utcnow()
    fail(session, throttle.MAX_FAILURES_PER_ACCOUNT - 1, at=now)
    fail(session, 3, email="autre@mairie.ml", at=now)
    throttle.record_success(session, EMAIL, now)
    assert fail(session, throttle.MAX_FAILURES_PER_ACCOUNT - 1, at=now) is None  # the count started again
    remaining = session.scalars(sa.select(LoginAttempt.email)).all()
    assert remaining.count("autre@mairie.ml") == 3


def test_old_attempts_are_purged(session):
    now = utcnow()
    fail(session, 3, at=now - timedelta(hours=2))
    fail(session, 1, email="autre@mairie.ml", at=now)
    assert session.scalars(sa.select(LoginAttempt.email)).all() == ["autre@mairie.ml"]


def test_the_longest_refusal_wins_when_account_and_address_are_both_blocked(session):
    now = utcnow()
    for i in range(throttle.MAX_FAILURES_PER_ADDRESS):
        throttle.record_failure(session, f"compte{i}@mairie.ml", IP, now - timedelta(minutes=10))
    fail(session, throttle.MAX_FAILURES_PER_ACCOUNT, at=now)
    refused = throttle.refusal(session, EMAIL, IP, now)
    assert refused.scope == "account" and refused.retry_after == 15 * 60


def test_a_pending_attempt_deleted_by_a_parallel_success_still_counts_its_failure(session):
    """Twenty people logging in with one account at once: one succeeds and clears the account's attempts, the
    pending attempt of a wrong password among them included. Its failure is still counted (a new row), and
    nothing reads the deleted row (before: ObjectDeletedError, a 500 on the login page)."""
    now = utcnow()
    attempt_id = throttle.begin_attempt(session, EMAIL, IP, now)
    session.commit()
    throttle.record_success(session, EMAIL, now)  # the parallel login that got in
    session.commit()
    assert throttle.refusal(session, EMAIL, IP, now, exclude=attempt_id) is None
    throttle.record_failure(session, EMAIL, IP, now, attempt_id=attempt_id)
    session.commit()
    rows = session.scalars(sa.select(LoginAttempt).where(LoginAttempt.email == EMAIL)).all()
    assert [r.success for r in rows] == [False]  # one failure counted (SQLite may give it the freed id again)
    throttle.withdraw(session, attempt_id)  # a refused attempt already gone: nothing to do, no error
