"""The identifiers that travel between servers: the UUIDs of plans and actions (plan files, the partner API, comment
anchors, the dashboard's exports).

A UUID is 128 bits; its text compares case-insensitively ("3F2A…" and "3f2a…" are the same plan). The one form
kept and compared is the canonical one of RFC 9562: lower case, hyphenated (`canonical_uuid`). Every place a UUID
comes in (a plan file, the API's path, a form, the models themselves) goes through it, and the database refuses
any other form (CHECK constraints, migrations/versions/0007).

    canonical_uuid("3F2A2C1E-…")   → "3f2a2c1e-…"; None when the text is no UUID
    derived_uuid(plan_uuid, uuid)  → the stable UUID an action takes in that plan when its own is another plan's
"""
from __future__ import annotations

import uuid as uuid_module
from typing import Optional

# The namespace of derived_uuid (a fixed, random UUID: it only keeps these names apart from any other uuid5).
ACTION_NAMESPACE = uuid_module.UUID("6b0f3d0e-5a1c-4f55-9a7e-2f1c1d8e4b21")


def canonical_uuid(value: object) -> Optional[str]:
    """`value` as a lower-case hyphenated UUID, or None when it is not one (not text, not 128 bits of hex)."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid_module.UUID(value.strip()))
    except ValueError:
        return None


def is_canonical(value: object) -> bool:
    return isinstance(value, str) and canonical_uuid(value) == value


def derived_uuid(plan_uuid: str, action_uuid: str) -> str:
    """The UUID an action of plan `plan_uuid` takes when its file gives it `action_uuid`, already another plan's:
    the same every time (importing the same file again finds the same action), another for every plan."""
    return str(uuid_module.uuid5(ACTION_NAMESPACE, f"{canonical_uuid(plan_uuid)}/{canonical_uuid(action_uuid)}"))
