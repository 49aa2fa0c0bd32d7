"""After the vote: the plan's execution year by year (docs/DOMAIN.md §15), kept apart from its frozen content."""
