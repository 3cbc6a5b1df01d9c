"""What a task's page shows: its people and who acts today, its gaps, history, schedule and the
words people learned to call it. Shared by the page and by the views that answer on it (an edit,
a confirmation refused) so that they show the same."""

from typing import Any

from django.utils import timezone

from ownership.acting import acting_owner
from ownership.forms import AssignmentForm
from ownership.gap_rules import task_gaps
from ownership.history_in_words import task_history
from ownership.lookup.learning import learned_phrases
from ownership.models import Role
from ownership.permissions import may_confirm_done
from tasks_registry import due, rhythms
from tasks_registry.completions import UNDO_WINDOW
from tasks_registry.models import Task


def task_page_context(task: Task, *, user: Any) -> dict[str, Any]:
    """Everything the task page shows, in a fixed number of queries."""
    today = timezone.localdate()
    assignments = list(
        task.assignments.select_related("person", "person__team").order_by("person__name")
    )
    by_role = {role: [a for a in assignments if a.role == role] for role in Role}
    owner = next((a.person for a in by_role[Role.OWNER]), None)
    backup = next((a.person for a in by_role[Role.BACKUP]), None)
    return {
        "task": task,
        "by_role": [(Role(role).label, held) for role, held in by_role.items()],
        "owner": owner,
        "backup": backup,
        "acting": acting_owner(owner, backup, today),
        "today": today,
        "gaps": task_gaps(task, on=today),
        "history": task_history(task),
        "assign_form": AssignmentForm(),
        "schedule": due.schedule(task, today=today),
        "rhythm": rhythms.stored(task.rhythm),
        "may_confirm": may_confirm_done(user, task),
        "undo_since": timezone.now() - UNDO_WINDOW,
        "failed_task": None,
        "learned": learned_phrases(task),
    }
