"""The permissions on the map's own records, by their full names: the one source the views,
templates' checks and tests use (the groups that carry them: ownership/permissions.py)."""

# Reading the map: what Members, Ops leads and Managers all have, and outsiders lack.
VIEW_MAP = "tasks_registry.view_task"
# Editing the map: what Ops leads and Managers have, and Members lack.
EDIT_MAP = "tasks_registry.change_task"
# Putting campaigns on the calendar, editing and removing them.
EDIT_CAMPAIGNS = "tasks_registry.change_campaign"
