"""Reading the audit log for the administrators' journal: the French name of each action, of the details it
records, and one page of entries at a time, optionally for a single action.

Entries are written by plans.core.audit.record (admin routes, plan status changes, API tokens, lockouts).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session

from plans.accounts.models import Role
from plans.core import formatting
from plans.core.audit import AuditEntry
from plans.planning.models import Plan, PlanStatus

PER_PAGE = 50

ACTION_LABELS = {
    "user.create": "Compte créé",
    "user.update": "Compte modifié",
    "user.password_reset": "Mot de passe réinitialisé par un administrateur",
    "user.password_change": "Mot de passe changé par son titulaire",
    "user.password_change_refused": "Changement de mot de passe refusé (mot de passe actuel incorrect)",
    "user.deactivate": "Compte désactivé",
    "user.reactivate": "Compte réactivé",
    "grouping.create": "Groupement créé",
    "grouping.update": "Groupement modifié",
    "grouping.delete": "Groupement supprimé",
    "docx_template.upload": "Modèle Word remplacé",
    "docx_template.reset": "Modèle Word d'origine rétabli",
    "plan.transition": "Changement de statut d'un plan",
    "plan.revision": "Nouvelle révision d'un plan adopté",
    "plan.import": "Plan importé depuis un fichier",
    "plan.delete": "Brouillon de plan supprimé",
    "token.create": "Jeton d'API créé",
    "token.revoke": "Jeton d'API révoqué",
    "auth.lockout": "Connexions bloquées (trop d'échecs)",
    "territory.official_name": "Nom officiel d'une unité territoriale",
    "owner.succession": "Passage aux unités d'une nouvelle édition du territoire",
    "execution.evidence_add": "Pièce de l'exécution ajoutée (photo ou document)",
    "execution.evidence_delete": "Pièce de l'exécution supprimée",
}

DETAIL_LABELS = {
    "role": "Rôle", "full_name": "Nom", "owners": "Rattachements", "region": "Région", "active": "Actif",
    "generated": "Mot de passe généré", "kind": "Type", "name": "Nom", "members": "Membres",
    "filename": "Fichier", "plan_id": "Plan n°", "plan": "Plan", "from": "De", "to": "À", "from_status": "De",
    "to_status": "À", "reason": "Motif", "comment": "Commentaire", "token": "Jeton", "token_id": "Jeton n°",
    "user": "Compte", "user_id": "Compte n°", "scope": "Portée", "minutes": "Durée (minutes)",
    "plan_uuid": "UUID du plan", "revision": "Révision", "from_plan_id": "Depuis le plan n°", "file": "Fichier",
    "created": "Nouveau plan", "new_revision": "Nouvelle révision", "via": "Par",
    "official_name": "Nom officiel", "source_name": "Nom des fichiers de limites",
    "title": "Titre", "owner": "Collectivité ou groupement", "actions": "Actions", "total_fcfa": "Coût total du PIP",
    "funding_lines": "Lignes de financement", "changes": "Enregistrements de l'historique", "comments": "Commentaires",
    "from_units": "Unités d'avant", "to_units": "Unités nouvelles", "edition": "Édition du territoire",
    "plans": "Plans", "merged_into": "Plans repris par",
}
# Amounts in FCFA, under these keys, shown as the pages show them ("45 000 000 FCFA").
_FCFA_KEYS = frozenset({"total_fcfa"})

# Values recorded as codes, under these keys, shown by their French names.
_CODE_LABELS = {
    "scope": {"account": "le compte", "address": "l'adresse du poste"},
    "via": {"cli": "la ligne de commande", "web": "le site"},
    "role": {role.value: role.label for role in Role},
    **{key: {status.value: status.label for status in PlanStatus}
       for key in ("from", "to", "from_status", "to_status")},
}


_PLAN_TARGET = re.compile(r"^plan:(\d+)$")


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def target_plan_id(target: str) -> Optional[int]:
    """The plan an entry is about when its target is written "plan:<id>" (plan.transition, plan.revision,
    plan.delete)."""
    match = _PLAN_TARGET.match(target or "")
    return int(match.group(1)) if match else None


def _value_text(value: Any, codes: dict[str, str]) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v, codes) for v in value) or "—"
    if isinstance(value, dict) and value and set(value) <= {"before", "after"}:
        return f"{_value_text(value.get('before'), codes)} → {_value_text(value.get('after'), codes)}"
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return codes.get(value, value)
    return str(value)


def describe_details(details: Optional[dict]) -> list[tuple[str, str]]:
    """The details of an entry as (French label, text) pairs, in the order they were recorded."""
    if not isinstance(details, dict):
        return []
    return [(DETAIL_LABELS.get(key, key),
             formatting.fcfa(value) if key in _FCFA_KEYS and isinstance(value, int)
             else _value_text(value, _CODE_LABELS.get(key, {})))
            for key, value in details.items()]


@dataclass
class JournalPage:
    entries: list[AuditEntry]
    number: int
    pages: int
    total: int
    plan_ids: frozenset[int] = frozenset()  # the plans named by these entries that still exist (the others: deleted)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def journal_page(session: Session, number: int = 1, action: Optional[str] = None,
                 per_page: int = PER_PAGE) -> JournalPage:
    """The entries of page `number` (1 = the newest), newest first; a number past the end gives the last page."""
    condition = AuditEntry.action == action if action else sa.true()
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(condition)) or 0
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, number), pages)
    entries = list(session.scalars(
        sa.select(AuditEntry).where(condition).options(orm.selectinload(AuditEntry.user))
        .order_by(AuditEntry.id.desc()).offset((number - 1) * per_page).limit(per_page)))
    named = {plan_id for entry in entries if (plan_id := target_plan_id(entry.target)) is not None}
    existing = frozenset(session.scalars(sa.select(Plan.id).where(Plan.id.in_(named)))) if named else frozenset()
    return JournalPage(entries=entries, number=number, pages=pages, total=total, plan_ids=existing)


def action_choices(session: Session) -> list[tuple[str, str]]:
    """(action, French label) for the filter: every known action, and any other one found in the log."""
    seen = set(session.scalars(sa.select(AuditEntry.action).distinct()))
    actions = list(ACTION_LABELS) + sorted(seen - set(ACTION_LABELS))
    return [(a, action_label(a)) for a in actions]
