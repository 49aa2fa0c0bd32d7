"""Helpers shared by the section modules."""
from __future__ import annotations

from datetime import date
from typing import Any


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def from_iso(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def describe_count_change(label: str, before: int, after: int) -> str | None:
    if before == after:
        return None
    return f"{label} : {before} → {after}"


def summary(parts: list[str | None], default: str) -> str:
    parts = [p for p in parts if p]
    return " ; ".join(parts) if parts else default


def text(value: Any) -> str:
    """A typed text, trimmed; anything that is not text reads as empty."""
    return value.strip() if isinstance(value, str) else ""


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# The largest whole number an INTEGER column holds (32 bits on PostgreSQL; SQLite refuses beyond 64 bits): a count
# above it is a typo, refused with a message instead of failing in the database.
MAX_COUNT = 2**31 - 1
MSG_COUNT_TOO_LARGE = "Nombre trop élevé : vérifiez le nombre de chiffres."


def row_id(row: dict) -> int | None:
    """The id a form row carries for an existing item, or None for a new row (or a forged id)."""
    return parse_id(row.get("id"))


def parse_id(value: Any) -> int | None:
    """An id posted in a hidden field: None when blank, forged ("²", "1e3", "abc") or beyond any stored id (a
    query with it would fail in the database)."""
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if 0 < n <= MAX_COUNT else None
