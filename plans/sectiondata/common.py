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


def text(value) -> str:
    """A typed text, trimmed; anything that is not text reads as empty."""
    return value.strip() if isinstance(value, str) else ""


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def row_id(row: dict) -> int | None:
    """The id a form row carries for an existing item, or None for a new row (or a forged id)."""
    value = row.get("id")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
