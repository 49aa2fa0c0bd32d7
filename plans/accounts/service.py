"""Account rules: creating and editing users, checking and changing passwords, the demo accounts.

Every refusal is a ValidationError whose keys are the form fields they concern ("email", "role", "password",
"new_password", "owners", "region", "active", "" for the whole form), so the web forms and the CLI show the same
French messages.
"""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Iterable, Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from plans.accounts.models import LoginSession, Role, User
from plans.core import audit
from plans.core.db import utcnow
from plans.core.errors import ValidationError
from plans.core.text import search_key
from plans.owners import service as owners_service
from plans.owners.models import COLLECTIVITE_LEVEL, PlanOwner
from plans.territory import service as territory_service
from plans.territory.models import MALI, AdminUnit, TerritoryEdition

MIN_PASSWORD_LENGTH = 10
MAX_FULL_NAME_LENGTH = 200
REGION_LEVEL = 1

# Words for generated passwords: French, without accents (easy to type on any keyboard), none of them part of an
# e-mail identifier used by the demo accounts.
_PASSWORD_WORDS = (
    "baobab", "fleuve", "savane", "mangue", "karite", "niebe", "sorgho", "mil", "riz", "fonio", "tamarin", "dune",
    "falaise", "pirogue", "marche", "puits", "grenier", "colline", "etoile", "soleil", "lune", "pluie", "vent",
    "sable", "rocher", "oasis", "jardin", "verger", "forge", "tissage", "poterie", "cola", "datte", "gombo", "sesame",
    "arachide", "calebasse", "tambour", "kora", "balafon", "chameau", "pelican", "girafe", "lion", "hippo",
    "caiman", "heron", "aigle", "palmier", "acacia", "neem", "kapok", "fromager", "riviere", "delta", "plaine",
)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


_ROLE_ALIASES = {"planificateur": Role.PLANNER, "relecteur": Role.REVIEWER, "administrateur": Role.ADMIN}


def parse_role(role: Role | str) -> Role:
    """A Role from its value ("planner"), its French name ("planificateur") or itself; ValidationError otherwise."""
    if isinstance(role, Role):
        return role
    text = search_key(str(role or ""))
    try:
        return _ROLE_ALIASES.get(text) or Role(text)
    except ValueError:
        raise ValidationError({"role": [f"Rôle inconnu : « {role} ». Rôles possibles : planner (planificateur), "
                                        "reviewer (relecteur DGCT), admin (administrateur)."]}) from None


# Passwords, or cores of passwords ("Azerty2024!" → "azerty"), that guessing tools try first. Short on purpose:
# length and the mix of characters do the rest.
COMMON_PASSWORDS = frozenset({
    "password", "passw0rd", "motdepasse", "motdepass", "azerty", "azertyuiop", "qwerty", "qwertyuiop", "qwertz",
    "abc", "abcd", "abcdef", "abcdefgh", "admin", "administrateur", "administrator", "root", "user", "utilisateur",
    "bonjour", "bonsoir", "salut", "soleil", "bienvenue", "welcome", "letmein", "iloveyou", "jetaime", "loulou",
    "doudou", "chouchou", "football", "dragon", "monkey", "master", "sunshine", "princess", "secret", "changeme",
    "test", "demo", "mali", "bamako", "mairie", "commune", "pdlm", "dgct", "allah", "inchallah", "alhamdoulillah",
    "1q2w3e4r5t", "1qaz2wsx3edc", "a1b2c3d4e5", "q1w2e3r4t5", "1234567890a", "a1234567890", "12345678910",
})
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")
_LEET = str.maketrans("@0134$5!", "aoieassi")


def _is_common(password: str) -> bool:
    text = password.strip().lower()
    return text in COMMON_PASSWORDS or _EDGES.sub("", text).translate(_LEET) in COMMON_PASSWORDS


def password_problems(password: str, email: str = "") -> list[str]:
    """The password policy, in French; an empty list means the password is acceptable. Every form and command
    that sets a password goes through it."""
    problems = []
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems.append(f"Le mot de passe doit contenir au moins {MIN_PASSWORD_LENGTH} caractères.")
    elif password.isdigit() or password.isalpha():
        problems.append("Le mot de passe doit mêler lettres et chiffres ou signes.")
    if password and _is_common(password):
        problems.append("Ce mot de passe est trop courant : choisissez-en un moins facile à deviner.")
    email = normalise_email(email)
    identifier = email.split("@")[0]
    if password and email and password.strip().lower() == email:
        problems.append("Le mot de passe ne doit pas être l'adresse électronique.")
    elif len(identifier) >= 3 and password and identifier in password.lower():  # "a@…" would forbid every "a"
        problems.append("Le mot de passe ne doit pas contenir l'identifiant de l'adresse électronique.")
    return problems


def generate_password(email: str = "") -> str:
    """A readable random password (three words and two digits, e.g. "savane-kora-pluie-47") that meets the policy."""
    while True:
        words = [secrets.choice(_PASSWORD_WORDS) for _ in range(3)]
        password = "-".join(words) + f"-{secrets.randbelow(90) + 10}"
        if not password_problems(password, email):
            return password


#: The werkzeug method of every new password hash (accounts, demo accounts, the dummy hash of `authenticate`).
#: Production keeps "scrypt" (memory-hard, about 0.2 s a hash); nothing in the app changes it. The test suite alone
#: (tests/conftest.py) sets a cheap method for its session, so that it does not spend minutes hashing; hashes of any
#: method are checked alike (werkzeug reads the method from the hash).
PASSWORD_HASH_METHOD = "scrypt"


def hash_password(password: str) -> str:
    """A hash of PASSWORD with PASSWORD_HASH_METHOD (read at each call, so a change applies at once)."""
    return generate_password_hash(password, method=PASSWORD_HASH_METHOD)


# ---------------------------------------------------------------------------------------------------------------
# Look-ups the account forms and the CLI need


def region_choices(session: Session) -> list[AdminUnit]:
    """The Malian régions of the current edition (the 9 of the 2015 boundaries), in P-code order."""
    return list(session.scalars(
        sa.select(AdminUnit).join(TerritoryEdition)
        .where(AdminUnit.country_iso3 == MALI, AdminUnit.level == REGION_LEVEL, TerritoryEdition.is_current)
        .order_by(AdminUnit.code)))


def region_by_code(session: Session, code: str) -> AdminUnit:
    unit = territory_service.unit_by_code(session, code)
    if unit is None or unit.country_iso3 != MALI or unit.level != REGION_LEVEL:
        raise ValidationError({"region": [f"Code de région inconnu : « {code} ». Exemple : ML01 pour Kayes."]})
    return unit


def region_by_id(session: Session, unit_id: Optional[int]) -> Optional[AdminUnit]:
    """The région a form chose (None: the whole country)."""
    if unit_id is None:
        return None
    unit = session.get(AdminUnit, unit_id)
    if unit is None or unit.country_iso3 != MALI or unit.level != REGION_LEVEL:
        raise ValidationError({"region": ["Cette région n'existe pas. Rechargez la page."]})
    return unit


def owner_choices(session: Session) -> list[PlanOwner]:
    """Every existing plan owner (collectivités already used, and groupings), by name."""
    return list(session.scalars(sa.select(PlanOwner).order_by(PlanOwner.name, PlanOwner.id)))


def owners_by_ids(session: Session, ids: Iterable[int]) -> list[PlanOwner]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = {o.id: o for o in session.scalars(sa.select(PlanOwner).where(PlanOwner.id.in_(ids)))}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"owners": ["Une des collectivités choisies n'existe plus. Rechargez la page."]})
    return [found[i] for i in ids]


def collectivite_owner_by_code(session: Session, code: str) -> PlanOwner:
    """The owner row of a Malian commune, cercle or région given by its P-code (created the first time)."""
    unit = territory_service.unit_by_code(session, code)
    if unit is None or unit.country_iso3 != MALI or unit.level not in COLLECTIVITE_LEVEL.values():
        raise ValidationError({"owners": [f"P-code inconnu : « {code.strip()} ». Il faut le code d'une commune, "
                                          "d'un cercle ou d'une région du Mali, par exemple ML010115 (Koniakary)."]})
    return owners_service.collectivite_owner(session, unit)


def owners_by_codes(session: Session, text: str | Iterable[str], field: str = "owners") -> list[PlanOwner]:
    """Owners from P-codes separated by commas, semicolons or spaces ("ML010115, ML0101"), or a list of them (a
    type-ahead's choices). Every unknown code is named in one message, keyed by `field`."""
    pieces = [text] if isinstance(text, str) else list(text)
    codes = list(dict.fromkeys(c for piece in pieces for c in re.split(r"[\s,;]+", piece or "") if c))
    owners, unknown = [], []
    for code in codes:
        try:
            owners.append(collectivite_owner_by_code(session, code))
        except ValidationError:
            unknown.append(code)
    if unknown:
        named = ", ".join(f"« {code} »" for code in unknown)
        words = "P-codes inconnus" if len(unknown) > 1 else "P-code inconnu"
        raise ValidationError({field: [f"{words} : {named}. Il faut le code d'une commune, d'un cercle ou d'une "
                                       "région du Mali, par exemple ML010115 (Koniakary)."]})
    return owners


def owner_by_reference(session: Session, reference: str) -> PlanOwner:
    """A commune, cercle or région by P-code, or a grouping by its exact name (the CLI's --owner)."""
    reference = (reference or "").strip()
    if territory_service.unit_by_code(session, reference) is not None:
        return collectivite_owner_by_code(session, reference)
    grouping = owners_service.grouping_by_name(session, reference)
    if grouping is not None:
        return grouping
    raise ValidationError({"owners": [f"Ni P-code ni groupement connu : « {reference} ». Donnez le P-code d'une "
                                      "commune, d'un cercle ou d'une région (par exemple ML010115), ou le nom exact "
                                      "d'un groupement existant."]})


def list_users(session: Session) -> list[User]:
    return list(session.scalars(
        sa.select(User).options(orm.selectinload(User.owners), orm.selectinload(User.region)).order_by(User.email)))


def user_by_email(session: Session, email: str) -> Optional[User]:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def account_warnings(user: User) -> list[str]:
    """Things an administrator should know about an account that are allowed but probably unintended."""
    warnings = []
    if user.role is Role.PLANNER and not user.owners:
        warnings.append("Ce planificateur n'est rattaché à aucune collectivité ni aucun groupement : son accueil "
                        "restera vide tant qu'un rattachement n'est pas ajouté.")
    if not user.active:
        warnings.append("Ce compte est désactivé : la personne ne peut pas se connecter.")
    return warnings


def overview_counts(session: Session) -> dict[str, int]:
    """What the administrator's home page summarises."""
    def count(stmt) -> int:
        return session.scalar(stmt) or 0

    malian_units = (sa.select(sa.func.count()).select_from(AdminUnit).join(TerritoryEdition)
                    .where(AdminUnit.country_iso3 == MALI, TerritoryEdition.is_current))
    return {
        "users": count(sa.select(sa.func.count()).select_from(User)),
        "active_users": count(sa.select(sa.func.count()).select_from(User).where(User.active)),
        "groupings": count(sa.select(sa.func.count()).select_from(PlanOwner)
                           .where(PlanOwner.grouping_key.is_not(None))),
        "regions": count(malian_units.where(AdminUnit.level == 1)),
        "cercles": count(malian_units.where(AdminUnit.level == 2)),
        "communes": count(malian_units.where(AdminUnit.level == 3)),
    }


# ---------------------------------------------------------------------------------------------------------------
# Creating and changing accounts


def _check_profile(role: Role, full_name: str, owners: list[PlanOwner], region: Optional[AdminUnit],
                   errors: dict[str, list[str]]) -> None:
    if len(full_name) > MAX_FULL_NAME_LENGTH:
        errors["full_name"] = [f"Le nom ne doit pas dépasser {MAX_FULL_NAME_LENGTH} caractères."]
    if owners and role is not Role.PLANNER:
        errors["owners"] = ["Seuls les planificateurs sont rattachés à des collectivités ou groupements : "
                            "retirez les rattachements ou choisissez le rôle planificateur."]
    if region is not None:
        if region.country_iso3 != MALI or region.level != REGION_LEVEL:
            errors["region"] = ["La région d'un relecteur doit être une région du Mali."]
        elif role is not Role.REVIEWER:
            errors["region"] = ["Seuls les relecteurs sont limités à une région : choisissez « Tout le pays » "
                                "ou le rôle relecteur."]


def _profile(user: User) -> dict:
    """What the journal shows of an account (plans/core/audit.py)."""
    return {"role": user.role.value, "full_name": user.full_name, "owners": [o.name for o in user.owners],
            "region": user.region.display_name if user.region else None}


def new_account_problems(session: Session, *, email: str, password: Optional[str], role: Role | str,
                         full_name: str = "", owners: Iterable[PlanOwner] = (),
                         region: Optional[AdminUnit] = None) -> dict[str, list[str]]:
    """Everything wrong with a new account, keyed by field, all at once (empty: it may be created). `password`
    None: a password to be generated, not checked."""
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or len(email) > 254:
        errors["email"] = ["Adresse électronique invalide (exemple : prenom.nom@mairie.ml)."]
    elif user_by_email(session, email) is not None:
        errors["email"] = ["Un compte existe déjà avec cette adresse électronique."]
    try:
        role = parse_role(role)
    except ValidationError as error:
        errors.update(error.errors)
    else:
        _check_profile(role, (full_name or "").strip(), list(dict.fromkeys(owners)), region, errors)
    problems = password_problems(password, email) if password is not None else []
    if problems:
        errors["password"] = problems
    return errors


def create_user(session: Session, *, email: str, password: str, role: Role | str, full_name: str = "",
                owners: Iterable[PlanOwner] = (), region: Optional[AdminUnit] = None,
                acting_user: Optional[User] = None, password_generated: bool = False, ip: str = "") -> User:
    """A new account. Done by an administrator (`acting_user`), it is journaled with its role, attachments and
    whether the password was generated; the demo and the command line create accounts unjournaled."""
    email = normalise_email(email)
    full_name = (full_name or "").strip()
    owners = list(dict.fromkeys(owners))
    errors = new_account_problems(session, email=email, password=password, role=role, full_name=full_name,
                                  owners=owners, region=region)
    if errors:
        raise ValidationError(errors)
    role = parse_role(role)
    user = User(email=email, full_name=full_name, password_hash=hash_password(password), role=role, region=region)
    user.owners = owners
    session.add(user)
    session.flush()
    if acting_user is not None:
        profile = _profile(user)
        audit.record(session, acting_user, "user.create", user.email,
                     {"role": profile["role"], "owners": profile["owners"], "region": profile["region"],
                      "generated": password_generated}, ip)
    return user


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(User)
                          .where(User.role == Role.ADMIN, User.active, User.id != user.id)) or 0


def update_user(session: Session, user: User, role: Role | str, full_name: str, owners: Iterable[PlanOwner],
                region: Optional[AdminUnit], active: bool, *, acting_user: Optional[User] = None,
                ip: str = "") -> User:
    """Changes an account's role, name, attachments, région and state. `acting_user` is the administrator doing it;
    the change is journaled (each changed field, before and after) when one is given."""
    before = _profile(user)
    _update(session, user, role, full_name, owners, region, active, acting_user)
    if acting_user is not None:
        after = _profile(user)
        audit.record(session, acting_user, "user.update", user.email,
                     {key: {"before": before[key], "after": after[key]} for key in before if before[key] != after[key]},
                     ip)
    return user


def _update(session: Session, user: User, role: Role | str, full_name: str, owners: Iterable[PlanOwner],
            region: Optional[AdminUnit], active: bool, acting_user: Optional[User]) -> None:
    full_name = (full_name or "").strip()
    owners = list(dict.fromkeys(owners))
    role = parse_role(role)
    errors: dict[str, list[str]] = {}
    _check_profile(role, full_name, owners, region, errors)
    if acting_user is not None and acting_user.id == user.id:
        if not active:
            errors["active"] = ["Vous ne pouvez pas désactiver votre propre compte."]
        if user.role is Role.ADMIN and role is not Role.ADMIN:
            errors["role"] = ["Vous ne pouvez pas retirer votre propre rôle d'administrateur."]
    if (user.role is Role.ADMIN and user.active and (role is not Role.ADMIN or not active)
            and not _other_active_admins(session, user) and not errors):
        errors[""] = ["Il doit rester au moins un administrateur actif."]
    if errors:
        raise ValidationError(errors)
    if user.active and not active:
        end_logins(session, user)  # the sessions open on the deactivated account end now
    user.role = role
    user.full_name = full_name
    user.owners = owners
    user.region = region
    user.active = active
    session.flush()


def set_active(session: Session, user: User, active: bool, *, acting_user: Optional[User] = None,
               ip: str = "") -> User:
    """Deactivates or reactivates an account, keeping everything else (journaled when `acting_user` is given)."""
    _update(session, user, user.role, user.full_name, list(user.owners), user.region, active, acting_user)
    if acting_user is not None:
        audit.record(session, acting_user, "user.reactivate" if active else "user.deactivate", user.email, {}, ip)
    return user


def reset_password(session: Session, user: User, new_password: Optional[str] = None, *,
                   acting_user: Optional[User] = None, ip: str = "") -> str:
    """An administrator sets a new password (generated when none is given); every open session of the account ends.

    Returns the new password, to hand over to the person.
    """
    if acting_user is not None and acting_user.id == user.id:
        raise ValidationError({"": ["Pour votre propre compte, changez votre mot de passe depuis « Mon compte » : "
                                    "le mot de passe actuel vous sera demandé."]})
    password = new_password if new_password else generate_password(user.email)
    problems = password_problems(password, user.email)
    if problems:
        raise ValidationError({"password": problems})
    user.password_hash = hash_password(password)
    end_logins(session, user)
    session.flush()
    if acting_user is not None:
        audit.record(session, acting_user, "user.password_reset", user.email, {"generated": not new_password}, ip)
    return password


_DUMMY_HASH: dict[str, str] = {}  # PASSWORD_HASH_METHOD → a hash of a random password, made on first use


def authenticate(session: Session, email: str, password: str) -> Optional[User]:
    user = user_by_email(session, email)
    if user is None:
        # Same work as for a real account, so that timing does not tell which addresses have one.
        if PASSWORD_HASH_METHOD not in _DUMMY_HASH:
            _DUMMY_HASH[PASSWORD_HASH_METHOD] = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH[PASSWORD_HASH_METHOD], password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def open_login(session: Session, user: User, lasts: timedelta) -> str:
    """A new login of `user` (a LoginSession row); returns its token, also set as `user.login_token` for the
    cookie. The account's logins that ended or outlived `lasts` are deleted here, so the table stays small."""
    now = utcnow()
    session.execute(sa.delete(LoginSession).where(
        LoginSession.user_id == user.id,
        sa.or_(LoginSession.ended_at.is_not(None), LoginSession.started_at <= now - lasts)))
    login = LoginSession(user_id=user.id, started_at=now)
    session.add(login)
    session.flush()
    user.login_token = login.token
    return login.token


def user_by_login_token(session: Session, token: str, lasts: timedelta) -> Optional[User]:
    """The account of an open login: None once it ended (logout, password change or reset, deactivation), once
    `lasts` has passed since it started, or when the account is deactivated."""
    if not token or len(token) > 64:
        return None
    user = session.scalar(sa.select(User).join(LoginSession, LoginSession.user_id == User.id).where(
        LoginSession.token == token, LoginSession.ended_at.is_(None), LoginSession.started_at > utcnow() - lasts,
        User.active))
    if user is not None:
        user.login_token = token
    return user


def end_login(session: Session, token: str) -> None:
    """Logout: this login ends on the server (a copy of its cookie no longer opens anything)."""
    session.execute(sa.update(LoginSession).where(LoginSession.token == token, LoginSession.ended_at.is_(None))
                    .values(ended_at=utcnow()))


def end_logins(session: Session, user: User) -> None:
    """Every open login of the account ends (password changed or reset, account deactivated)."""
    session.execute(sa.update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
                    .values(ended_at=utcnow()))


def record_refused_password_change(session: Session, user: User, ip: str = "") -> None:
    """A wrong current password on the password change, in the journal (the guesses of whoever holds a session)."""
    audit.record(session, user, "user.password_change_refused", user.email, {}, ip)


def change_password(session: Session, user: User, current: str, new: str, *, ip: str = "") -> None:
    """The account's holder changes their password (journaled; a wrong current password is journaled by
    record_refused_password_change once the caller rolled the refusal back — see app/auth/routes.py)."""
    errors: dict[str, list[str]] = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current_password"] = ["Le mot de passe actuel est incorrect."]
    problems = password_problems(new, user.email)
    if not problems and current and new == current:
        problems = ["Le nouveau mot de passe doit être différent de l'actuel."]
    if problems:
        errors["new_password"] = problems
    if errors:
        raise ValidationError(errors)
    user.password_hash = hash_password(new)
    end_logins(session, user)  # every open session of this account ends here (the caller opens a new one)
    audit.record(session, user, "user.password_change", user.email, {}, ip)
    session.flush()


# ---------------------------------------------------------------------------------------------------------------
# Demo accounts

DEMO_ADMIN_EMAIL = "admin@demo.ml"
DEMO_REVIEWER_EMAIL = "relecteur@demo.ml"
DEMO_PLANNER_EMAIL = "planificateur@koniakary.demo.ml"
DEMO_COMMUNE_PCODE = "ML010115"  # Koniakary, cercle de Kayes


def create_demo_accounts(session: Session) -> list[tuple[str, str, str]]:
    """On a new database: an administrator, a DGCT reviewer and a planner of Koniakary, with random passwords.

    Returns [(email, password, role label)] for the setup command to print once.
    """
    koniakary = owners_service.commune_owner(session, DEMO_COMMUNE_PCODE)
    specs = [
        (DEMO_ADMIN_EMAIL, Role.ADMIN, "Administrateur (démonstration)", []),
        (DEMO_REVIEWER_EMAIL, Role.REVIEWER, "Relecteur DGCT (démonstration)", []),
        (DEMO_PLANNER_EMAIL, Role.PLANNER, "Planificateur de Koniakary (démonstration)", [koniakary]),
    ]
    logins = []
    for email, role, name, owners in specs:
        password = generate_password(email)
        create_user(session, email=email, password=password, role=role, full_name=name, owners=owners)
        logins.append((email, password, role.label))
    return logins
