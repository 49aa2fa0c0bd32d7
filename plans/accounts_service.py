"""Account rules: creating users, checking passwords, changing them."""
from __future__ import annotations

from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from plans.accounts import Role, User, new_session_token
from plans.db import utcnow
from plans.errors import ValidationError
from plans.owners import PlanOwner
from plans.territory import AdminUnit

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problems(password: str, email: str = "") -> list[str]:
    """The password policy, in French; an empty list means the password is acceptable."""
    problems = []
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems.append(f"Le mot de passe doit contenir au moins {MIN_PASSWORD_LENGTH} caractères.")
    elif password.isdigit() or password.isalpha():
        problems.append("Le mot de passe doit mêler lettres et chiffres ou signes.")
    if email and password and normalise_email(email).split("@")[0] in password.lower():
        problems.append("Le mot de passe ne doit pas contenir l'identifiant de l'adresse électronique.")
    return problems


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_user(session: Session, *, email: str, password: str, role: Role | str, full_name: str = "",
                owners: Iterable[PlanOwner] = (), region: Optional[AdminUnit] = None) -> User:
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        errors["email"] = ["Adresse électronique invalide."]
    elif session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        errors["email"] = ["Un compte existe déjà avec cette adresse électronique."]
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = [f"Rôle inconnu : « {role} ». Rôles possibles : planner, reviewer, admin."]
    problems = password_problems(password, email)
    if problems:
        errors["password"] = problems
    if errors:
        raise ValidationError(errors)
    user = User(email=email, full_name=full_name.strip(), password_hash=hash_password(password), role=role,
                region=region if role is Role.REVIEWER else None)
    user.owners = list(owners)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> Optional[User]:
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active or not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = utcnow()
    return user


def user_by_session_token(session: Session, token: str) -> Optional[User]:
    return session.scalar(sa.select(User).where(User.session_token == token))


def change_password(session: Session, user: User, current: str, new: str) -> None:
    errors: dict[str, list[str]] = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current_password"] = ["Le mot de passe actuel est incorrect."]
    problems = password_problems(new, user.email)
    if problems:
        errors["new_password"] = problems
    if errors:
        raise ValidationError(errors)
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()  # every other open session of this account ends here
