"""UUIDs in their canonical form (lower case), an action's uuid unique in its plan and kept to one plan

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 14:00:00.000000

A UUID's text compares case-insensitively, the database's did not: a plan file could create "3F2A…" beside the
"3f2a…" of another collectivité, which the partner API (reading the canonical form) then served at the new plan's
link (issue 14, item 4). Existing rows are normalised first:

- plans: the uuid is lower-cased. Where several plans end up with one uuid, the lineage that already had the
  canonical form (else the oldest) keeps it; every other lineage (owner and original text) gets a new uuid4.
- actions: lower-cased; two actions of one plan that end up equal: the later one gets a new uuid4. An action uuid
  used by plans of several lineages stays with the oldest; the others take the uuid the import derives
  (plans/core/ids.derived_uuid: uuid5 of the plan's and the action's uuids), their comments following it.
- comments: their action_uuid lower-cased (and renamed with their action's).

Then a unique index on (plan_id, uuid) of actions, and on PostgreSQL CHECK constraints that refuse an upper-case
uuid (SQLite cannot add one without rebuilding the table: plans/planning/models.py says why that is avoided).
"""
import uuid as uuid_module

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# plans/core/ids.ACTION_NAMESPACE, copied: a migration keeps the rule of its day.
ACTION_NAMESPACE = uuid_module.UUID("6b0f3d0e-5a1c-4f55-9a7e-2f1c1d8e4b21")
CHECKS = (("plan", "uuid"), ("action", "uuid"), ("plan_comment", "action_uuid"))


def _canonical(text):
    try:
        return str(uuid_module.UUID(text.strip()))
    except (AttributeError, ValueError):
        return (text or "").lower()


def _normalise_plans(connection) -> None:
    rows = connection.execute(sa.text("SELECT id, uuid, owner_id FROM plan ORDER BY id")).all()
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(_canonical(row.uuid), []).append(row)
    for canonical, members in groups.items():
        keeper = next((r for r in members if r.uuid == canonical), members[0])
        fresh: dict[tuple, str] = {}
        for row in members:
            if (row.owner_id, row.uuid) == (keeper.owner_id, keeper.uuid):
                value = canonical
            else:
                value = fresh.setdefault((row.owner_id, row.uuid), str(uuid_module.uuid4()))
            if value != row.uuid:
                connection.execute(sa.text("UPDATE plan SET uuid = :u WHERE id = :i"), {"u": value, "i": row.id})


def _move_comments(connection, plan_ids: list[int], old: str, new: str) -> None:
    for plan_id in plan_ids:
        connection.execute(sa.text("UPDATE plan_comment SET action_uuid = :new WHERE plan_id = :p "
                                   "AND action_uuid = :old"), {"new": new, "old": old, "p": plan_id})


def _normalise_actions(connection) -> None:
    for row in connection.execute(sa.text("SELECT id, action_uuid FROM plan_comment "
                                          "WHERE action_uuid IS NOT NULL")).all():
        if _canonical(row.action_uuid) != row.action_uuid:
            connection.execute(sa.text("UPDATE plan_comment SET action_uuid = :u WHERE id = :i"),
                               {"u": _canonical(row.action_uuid), "i": row.id})
    rows = connection.execute(sa.text("SELECT a.id, a.uuid, a.plan_id, p.uuid AS plan_uuid FROM action a "
                                      "JOIN plan p ON p.id = a.plan_id ORDER BY a.plan_id, a.id")).all()
    lineage_plans: dict[str, list[int]] = {}
    for row in rows:
        plans = lineage_plans.setdefault(row.plan_uuid, [])
        if row.plan_id not in plans:
            plans.append(row.plan_id)
    taken: dict[tuple, int] = {}  # (plan_id, uuid) → action id
    first_lineage: dict[str, tuple] = {}  # action uuid → (lowest plan id, its plan uuid)
    final: list[tuple] = []
    for row in sorted(rows, key=lambda r: (r.plan_id, r.uuid != _canonical(r.uuid), r.id)):
        value = _canonical(row.uuid)
        if (row.plan_id, value) in taken:
            value = str(uuid_module.uuid4())
        taken[(row.plan_id, value)] = row.id
        final.append((row, value))
        first_lineage.setdefault(value, (row.plan_id, row.plan_uuid))
    moved: set[tuple] = set()
    for row, value in final:
        if first_lineage[value][1] != row.plan_uuid:  # another plan's action uuid: the import's derived one
            derived = str(uuid_module.uuid5(ACTION_NAMESPACE, f"{row.plan_uuid}/{value}"))
            if (row.plan_uuid, value) not in moved:
                _move_comments(connection, lineage_plans[row.plan_uuid], value, derived)
                moved.add((row.plan_uuid, value))
            value = derived
        if value != row.uuid:
            connection.execute(sa.text("UPDATE action SET uuid = :u WHERE id = :i"), {"u": value, "i": row.id})


def upgrade():
    connection = op.get_bind()
    _normalise_plans(connection)
    _normalise_actions(connection)
    op.create_index('uq_action_plan_id_uuid', 'action', ['plan_id', 'uuid'], unique=True)
    if connection.dialect.name == "postgresql":
        for table, column in CHECKS:
            op.create_check_constraint(op.f(f"ck_{table}_{column}_lower_case"), table, f"{column} = lower({column})")


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        for table, column in CHECKS:
            op.drop_constraint(op.f(f"ck_{table}_{column}_lower_case"), table, type_="check")
    op.drop_index('uq_action_plan_id_uuid', table_name='action')
