"""After the vote: the plan's execution year by year (docs/DOMAIN.md §15), kept apart from its frozen content.

Importing the area registers its figures in every plan's summary (plans/execution/desk_summary.py): plans/models.py
imports it, as does whatever reads or writes an execution.
"""
from plans.execution import desk_summary
from plans.planning import summary

summary.register(desk_summary.contribute)
