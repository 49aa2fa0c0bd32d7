"""Each editable section as data: `dump(plan) -> dict` (history snapshots, plan files) and
`apply(session, plan, data) -> str` (validated data in, French summary of the change out)."""
