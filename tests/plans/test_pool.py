"""The bounded pool of expensive work (plans/core/pool.py): a place taken elsewhere — another thread, another
process — refuses the next request in French with a delay to retry after; a place is freed when its holder ends,
even by dying; without settings nothing is bounded."""
from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from plans.core import pool


@pytest.fixture
def places(tmp_path):
    """One place per kind, a request waits 0.1 s for it; the settings restored afterwards."""
    saved = pool._settings
    settings = pool.Settings(tmp_path / "verrous", slots=1, wait=0.1)
    pool.configure(lambda: settings)
    yield settings
    pool.configure(saved)


def _in_thread(fn):
    outcome = {}

    def run():
        try:
            with pool.slot("word"):
                outcome["ran"] = fn()
        except pool.Busy as error:
            outcome["busy"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return outcome


def test_a_taken_place_refuses_the_next_request_in_french_with_a_delay(places):
    with pool.slot("word"):
        outcome = _in_thread(lambda: "exporté")
    busy = outcome["busy"]
    assert "ran" not in outcome
    assert busy.retry_after >= 1
    assert busy.message == (f"Le serveur prépare déjà d'autres documents Word : réessayez dans {busy.retry_after} "
                            "secondes. Rien n'a été perdu.")
    # freed: the same request now runs
    assert _in_thread(lambda: "exporté") == {"ran": "exporté"}


def test_each_kind_has_its_own_places(places):
    with pool.slot("tableaux"):
        assert _in_thread(lambda: "exporté") == {"ran": "exporté"}


def test_two_places_admit_two_at_once_and_refuse_a_third(tmp_path):
    saved = pool._settings
    settings = pool.Settings(tmp_path, slots=2, wait=0.1)
    pool.configure(lambda: settings)
    try:
        with pool.slot("word"):
            with pool.slot("word"):
                assert "busy" in _in_thread(lambda: "exporté")
            assert _in_thread(lambda: "exporté") == {"ran": "exporté"}
    finally:
        pool.configure(saved)


HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("pris", flush=True)
time.sleep(600)
"""


def test_a_place_held_by_another_process_holds_until_that_process_dies(places):
    places.directory.mkdir(parents=True)
    worker = subprocess.Popen([sys.executable, "-c", HOLDER, str(places.directory / "word-0.lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "pris"  # another gunicorn worker exporting
        with pytest.raises(pool.Busy):
            with pool.slot("word"):
                pass
    finally:
        worker.kill()  # a worker killed mid-export (timeout, kill -9) …
        worker.wait()
    with pool.slot("word"):  # … leaves nothing behind: its place is free
        pass


def test_without_settings_nothing_is_bounded(tmp_path):
    saved = pool._settings
    pool.configure(None)
    try:
        with pool.slot("word"):
            assert _in_thread(lambda: "exporté") == {"ran": "exporté"}
    finally:
        pool.configure(saved)


def test_a_user_who_just_had_such_work_done_waits_as_long_as_it_took(places):
    with pool.slot("word", user="7"):
        pass  # an export of (almost) no time: the next turn is at once
    with pool.slot("word", user="7"):
        pass
    turn = next(places.directory.glob("word-tour-7"))
    turn.write_text("60")  # the last one took a minute, and just ended
    with pytest.raises(pool.Paced) as paced:
        with pool.slot("word", user="7"):
            pass
    assert paced.value.status == 429 and 55 <= paced.value.retry_after <= 60
    assert paced.value.message == (
        f"Vous venez de demander des documents Word : pour laisser leur tour aux autres, réessayez dans "
        f"{paced.value.retry_after} secondes. Rien n'a été perdu.")
    with pool.slot("word", user="8"):  # another user's turn is now
        pass
    with pool.slot("tableaux", user="7"):  # and each kind has its own turns
        pass
