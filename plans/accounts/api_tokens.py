"""Tokens of the read-only partner API: create one for an account (shown once), recognise it, list, revoke.

A token acts for its account: it reads exactly what that account may read (plans.accounts.access). Only the SHA-256 of a
token is stored, so a copy of the database gives no usable token.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts.models import ApiToken, User
from plans.core import audit
from plans.core.db import utcnow
from plans.core.errors import ValidationError

NAME_MAX = 200
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours and is not even hashed.
SECRET_MAX_LENGTH = 128
# last_used_at is a hint for administrators, not a log: one write a minute per token at most.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret, which exists only here: show it once, it cannot be read back."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str, *, acting_user: Optional[User] = None,
                 ip: str = "") -> IssuedToken:
    """A new token for `user`'s account (its secret is in the result, shown once); journaled with `acting_user`."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": ["Donnez un nom au jeton (par exemple le nom du partenaire)."]})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": [f"Le nom ne doit pas dépasser {NAME_MAX} caractères."]})
    if not user.active:
        raise ValidationError({"": [f"Le compte {user.email} est désactivé : "
                                    "réactivez-le avant de lui créer un jeton."]})
    taken = session.scalar(sa.select(ApiToken.id).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), sa.func.lower(ApiToken.name) == name.lower()))
    if taken is not None:
        raise ValidationError({"name": [f"Un jeton actif de ce compte s'appelle déjà « {name} » : choisissez un "
                                        f"autre nom ou révoquez l'ancien."]})
    secret = secrets.token_urlsafe(32)
    token = ApiToken(name=name, token_hash=hash_secret(secret), user=user)
    session.add(token)
    session.flush()
    audit.record(session, acting_user, "token.create", user.email, {"token_id": token.id, "name": token.name}, ip)
    return IssuedToken(token, secret)


def authenticate(session: Session, secret: str | None, now: Optional[datetime] = None) -> Optional[ApiToken]:
    """The live token a secret names (not revoked, its account active), or None. Refreshes last_used_at at most once
    a minute; the caller commits."""
    if not secret or len(secret) > SECRET_MAX_LENGTH:
        return None
    digest = hash_secret(secret)
    # Looking up by the hash leaks nothing about the secret; the final comparison is constant-time all the same.
    token = session.scalar(sa.select(ApiToken).options(orm.joinedload(ApiToken.user))
                           .where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if token.revoked_at is not None or not token.user.active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
    return token


def list_tokens(session: Session, user: Optional[User] = None) -> list[ApiToken]:
    """Every token (or one account's), live ones first, newest first."""
    query = (sa.select(ApiToken).options(orm.joinedload(ApiToken.user))
             .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()))
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def token_by_id(session: Session, token_id: int) -> Optional[ApiToken]:
    return session.get(ApiToken, token_id)


def revoke_token(session: Session, token: ApiToken, now: Optional[datetime] = None, *,
                 acting_user: Optional[User] = None, ip: str = "") -> bool:
    """Revokes a token for good, journaled. False when it already was (the first revocation date stays)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    session.flush()
    audit.record(session, acting_user, "token.revoke", token.user.email, {"token_id": token.id, "name": token.name},
                 ip)
    return True
