"""Who owns a plan: a collectivité (commune, cercle, région) or a grouping of collectivités.

Groupings are intercommunal (syndicat, convention, entente: at least two Malian communes) or cross-border
(GLCT, union: at least one Malian commune and at least one foreign unit).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import orm

from plans.core.db import Base, utcnow
from plans.territory.models import AdminUnit


class OwnerKind(str, enum.Enum):
    COMMUNE = "commune"
    CERCLE = "cercle"
    REGION = "region"
    SYNDICAT = "syndicat"
    CONVENTION = "convention"
    ENTENTE = "entente"
    GLCT = "glct"
    UNION = "union"

    @property
    def label(self) -> str:
        return OWNER_KIND_LABELS[self]

    @property
    def is_grouping(self) -> bool:
        return self in INTERCOMMUNAL_KINDS or self in CROSS_BORDER_KINDS

    @property
    def is_cross_border(self) -> bool:
        return self in CROSS_BORDER_KINDS


OWNER_KIND_LABELS = {
    OwnerKind.COMMUNE: "Commune",
    OwnerKind.CERCLE: "Conseil de cercle",
    OwnerKind.REGION: "Conseil régional",
    OwnerKind.SYNDICAT: "Syndicat intercommunal",
    OwnerKind.CONVENTION: "Convention intercommunale",
    OwnerKind.ENTENTE: "Entente intercommunale",
    OwnerKind.GLCT: "Groupement local de coopération transfrontalière (GLCT)",
    OwnerKind.UNION: "Union transfrontalière de collectivités",
}
INTERCOMMUNAL_KINDS = frozenset({OwnerKind.SYNDICAT, OwnerKind.CONVENTION, OwnerKind.ENTENTE})
CROSS_BORDER_KINDS = frozenset({OwnerKind.GLCT, OwnerKind.UNION})
COLLECTIVITE_LEVEL = {OwnerKind.REGION: 1, OwnerKind.CERCLE: 2, OwnerKind.COMMUNE: 3}


class PlanOwner(Base):
    """A collectivité (unit set, no members) or a grouping (members set, no unit)."""

    __tablename__ = "plan_owner"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    kind: orm.Mapped[OwnerKind] = orm.mapped_column(
        sa.Enum(OwnerKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    name: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    # Set for groupings only, unique: "SICM" and "sicm" are the same grouping. NULLs do not collide.
    grouping_key: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(200), unique=True)
    unit_id: orm.Mapped[Optional[int]] = orm.mapped_column(sa.ForeignKey("admin_unit.id"), unique=True)
    founding_act_ref: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(200))
    founding_act_date: orm.Mapped[Optional[date]]
    tutelle_authority: orm.Mapped[Optional[str]] = orm.mapped_column(sa.String(200))
    # The union of the members' geometries (WKB), recomputed whenever the members change.
    geometry_cache: orm.Mapped[Optional[bytes]] = orm.mapped_column(sa.LargeBinary, deferred=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(default=utcnow, onupdate=utcnow)
    version_id: orm.Mapped[int] = orm.mapped_column(default=1)

    unit: orm.Mapped[Optional[AdminUnit]] = orm.relationship()
    members: orm.Mapped[list["GroupingMember"]] = orm.relationship(
        back_populates="owner", cascade="all, delete-orphan", order_by="GroupingMember.id"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def is_grouping(self) -> bool:
        return self.kind.is_grouping

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def member_units(self) -> list[AdminUnit]:
        return [m.unit for m in self.members]

    def __repr__(self) -> str:
        return f"<PlanOwner {self.kind.value} {self.name}>"


class GroupingMember(Base):
    __tablename__ = "grouping_member"
    __table_args__ = (sa.UniqueConstraint("owner_id", "unit_id", name="uq_grouping_member_owner_unit"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    owner_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("plan_owner.id", ondelete="CASCADE"), index=True)
    unit_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("admin_unit.id"), index=True)
    weight: orm.Mapped[Optional[float]]  # an agreed share (e.g. pro-rata population); None when not set

    owner: orm.Mapped[PlanOwner] = orm.relationship(back_populates="members")
    unit: orm.Mapped[AdminUnit] = orm.relationship()
