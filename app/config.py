"""Settings read from environment variables, with defaults that work offline on a laptop."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _instance_secret_key(instance_path: str) -> str:
    """A key kept in instance/ so that sessions survive a restart of a laptop install without any setting."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'pdlm.sqlite3'}"
    if database_url.startswith("postgres://"):  # the scheme some hosts still hand out
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret_key(instance_path),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=float(os.environ.get("SESSION_HOURS", "8"))),
        # Reverse proxies in front of the app (nginx: 1): the client address is then the one they forward.
        "TRUSTED_PROXIES": int(os.environ.get("PDLM_TRUSTED_PROXIES", "0")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        # Expensive work (Word documents, dashboard exports, the national map's recomputation): places per kind on
        # the server and how long a request waits for one (plans/core/pool.py, app/heavy.py).
        "HEAVY_SLOTS": int(os.environ.get("PDLM_HEAVY_SLOTS", "1")),
        "HEAVY_WAIT": float(os.environ.get("PDLM_HEAVY_WAIT", "0")),
        "HEAVY_TURNS": True,  # a user waits their turn after a long export (plans/core/pool.py)
        "HEAVY_LOCK_DIR": None,  # <instance>/verrous
        # The photos and documents of the execution (plans/execution/evidence.py); carried by `flask backup`.
        "EVIDENCE_DIR": os.environ.get("PDLM_EVIDENCE_DIR") or None,  # <instance>/evidence
        "WTF_CSRF_TIME_LIMIT": None,  # the session's own expiry bounds the token; a long form must not fail on save
        "DEMO_DATA": _flag("PDLM_DEMO", default=True),
        "GEODATA_DIR": os.environ.get("PDLM_GEODATA_DIR") or str(Path(__file__).resolve().parent.parent / "geodata"),
        # Optional basemap (plans/maps/basemap.py), off by default: a local MBTiles file served by /tuiles/…, or a
        # tile URL template of a server on the deployer's own network. Neither set: maps without tiles.
        "MBTILES_PATH": os.environ.get("PDLM_MBTILES") or None,
        "TILE_URL": os.environ.get("PDLM_TILE_URL") or None,
        "TILE_ATTRIBUTION": os.environ.get("PDLM_TILE_ATTRIBUTION") or "© contributeurs OpenStreetMap",
        # LibreOffice for the council document's PDF and numbered sommaire (plans/documents/office.py): the soffice
        # command ("" turns conversions off), the Python that has LibreOffice's `uno` module, the time allowed.
        "SOFFICE": os.environ.get("PDLM_SOFFICE", "soffice"),
        "UNO_PYTHON": os.environ.get("PDLM_UNO_PYTHON") or "/usr/bin/python3",
        "SOFFICE_TIMEOUT": float(os.environ.get("PDLM_SOFFICE_TIMEOUT") or 120),
        # Where conversions are kept, so the same plan downloaded again is not converted again ("" = not kept).
        "CONVERSION_CACHE_DIR": os.environ.get("PDLM_CONVERSION_CACHE", str(Path(instance_path) / "conversions")),
    }
