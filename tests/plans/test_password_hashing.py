"""Production hashes passwords with scrypt.

The rest of the suite hashes with a cheap method (tests/conftest.py, `cheap_password_hashing`); this test proves,
in a fresh interpreter that the test fixtures never touched, that the app in its default configuration (the
environment gunicorn is given, `create_app()` without overrides) stores scrypt hashes, for an account and for the
dummy hash that `authenticate` checks for an unknown address.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from tests.conftest import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from app import create_app
from app.extensions import db
from plans.accounts import service
from plans.accounts.models import Role

app = create_app()
with app.app_context():
    user = service.create_user(db.session, email="scrypt@dgct.ml", password=sys.argv[1], role=Role.REVIEWER,
                               full_name="Compte scrypt")
    db.session.commit()
    found = service.authenticate(db.session, "scrypt@dgct.ml", sys.argv[1]) is not None
    unknown = service.authenticate(db.session, "personne@dgct.ml", sys.argv[1])
    db.session.commit()
    print(json.dumps({"method": service.PASSWORD_HASH_METHOD, "found": found, "unknown": unknown,
                      "dummy": list(service._DUMMY_HASH.values())}))
    db.engine.dispose()
"""


def test_default_configuration_hashes_with_scrypt(database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "clef-du-test-scrypt", "PDLM_DEMO": "0",
           "PDLM_INSTANCE_PATH": str(tmp_path / "instance")}
    (tmp_path / "instance").mkdir()
    done = subprocess.run([sys.executable, "-c", SCRIPT, TEST_PASSWORD], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["method"] == "scrypt"
    assert result["found"] is True and result["unknown"] is None
    assert len(result["dummy"]) == 1 and result["dummy"][0].startswith("scrypt:")

    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT password_hash FROM app_user WHERE email = 'scrypt@dgct.ml'")).scalar()
    finally:
        engine.dispose()
    assert stored.startswith("scrypt:")
    assert check_password_hash(stored, TEST_PASSWORD)
    assert not check_password_hash(stored, TEST_PASSWORD + "x")
