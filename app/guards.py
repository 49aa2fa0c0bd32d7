"""Role guards for views: `@role_required(Role.ADMIN)` under `@bp.route(...)`.

Anonymous visitors are sent to the login page (as with login_required); a signed-in user without the role gets a
403 page that says, in French, who the page is for.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from plans.accounts.models import Role

_PLURAL = {Role.PLANNER: "aux planificateurs", Role.REVIEWER: "aux relecteurs (DGCT)",
           Role.ADMIN: "aux administrateurs"}


def refusal_message(roles) -> str:
    names = [_PLURAL[r] for r in Role if r in roles]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
    return f"Cette page est réservée {joined}."


def role_required(*roles: Role | str):
    if not roles:
        raise TypeError("role_required() needs at least one role")
    allowed = frozenset(Role(r) for r in roles)
    message = refusal_message(allowed)

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403, message)
            return view(*args, **kwargs)

        return login_required(guarded)

    return decorator
