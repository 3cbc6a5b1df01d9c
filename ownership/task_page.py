"""What a task's page shows: its people and who acts today, its gaps and their fixes, history,
schedule and the words people learned to call it. Shared by the page and by the views that
answer on it (an assignment, a fix, a confirmation), so that after any change in place every
part of the page says the same."""

import datetime
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from config.rendering import HtmxRequest
from ownership import escalation
from ownership.acting import acting_owner
from ownership.answerer import Fallbacks, Involved, answerer
from ownership.contacts import Contact
from ownership.drafts import held_for_task, in_draft
from ownership.fix_in_place import FixPlace
from ownership.fixes import Fix
from ownership.forms import AssignmentForm, PauseForm, WrongForm
from ownership.gap_rules import GapRule, TaskGaps, task_gaps
from ownership.history_in_words import task_history
from ownership.lookup.learning import learned_phrases
from ownership.models import Draft, Role
from ownership.permissions import EDIT_MAP, may_confirm_done, may_pause
from ownership.promise_places import task_places
from ownership.time_travel import ownership_timeline
from tasks_registry import due, rhythms
from tasks_registry.completions import UNDO_WINDOW
from tasks_registry.forms import MetricValueForm
from tasks_registry.metric_chart import MetricChart, metric_chart
from tasks_registry.metrics import values_since
from tasks_registry.models import Task

TEMPLATE = "ownership/task_detail.html"
# The parts of the page that show the task's facts: each is a partial of the template, and an
# answer to a change in one of them carries the others out of band.
LIVE_PARTS = ("summary", "gaps", "due", "metric", "promises", "people", "history")
# How far back the task's page draws its metric.
METRIC_DAYS = 180


def fix_place(task: Task, refused: Fix | None = None) -> FixPlace:
    return FixPlace(
        action=lambda fixed, kind: reverse("ownership:task_fix", args=[task.slug, kind]),
        target="#task-gaps",
        compact=True,
        refused=refused,
    )


def gap_lines(
    gaps: TaskGaps | None, place: FixPlace | None
) -> list[tuple[GapRule, str, list[Fix]]]:
    """Each gap in words with its fixes (none without `place`); a fix two gaps offer (a new
    owner, say) is shown once, under the more severe."""
    if gaps is None:
        return []
    lines, offered = [], set()
    for rule, detail in gaps.gap_list:
        fixes = []
        for fix in rule.fixes_for(gaps) if place is not None else ():
            if place is not None and fix.kind not in offered:
                offered.add(fix.kind)
                form_id = f"fix-{fix.kind}"
                fixes.append(place.form(fix, task=gaps, owner=gaps.owner, form_id=form_id))
        lines.append((rule, detail, fixes))
    return lines


def task_page_context(
    task: Task, *, user: Any, refused: Fix | None = None, draft: Draft | None = None
) -> dict[str, Any]:
    """Everything the task page shows, in a fixed number of queries (and, in draft mode, what
    the draft holds for it)."""
    today = timezone.localdate()
    gaps = task_gaps(task, on=today)
    place = fix_place(task, refused) if user.has_perm(EDIT_MAP) else None
    assignments = list(
        task.assignments.select_related("person", "person__team", "person__team__lead").order_by(
            "person__name"
        )
    )
    by_role = {role: [a for a in assignments if a.role == role] for role in Role}
    owner = next((a.person for a in by_role[Role.OWNER]), None)
    backup = next((a.person for a in by_role[Role.BACKUP]), None)
    may_confirm = may_confirm_done(user, task)
    may_edit = user.has_perm(EDIT_MAP)
    acting = acting_owner(owner, backup, today)
    schedule = due.schedule(task, today=today)
    # Only an overdue task has an escalation: the others pay no query for it.
    chain = escalation.chain_of(task, today) if schedule.overdue else None
    holder = chain.current.person_pk if chain and chain.current else None
    may_attest = owner is not None and owner.user_id == user.pk and task.is_active
    involved = [Involved(a.role, Contact.of(a.person)) for a in assignments]
    promises_owned, promise_places = task_places(task, may_confirm=may_confirm)
    return {
        "task": task,
        "by_role": [(Role(role).label, held) for role, held in by_role.items()],
        "owner": owner,
        "backup": backup,
        "acting": acting,
        "answerer": answerer(acting, involved, task.stage.slug, Fallbacks(today)),
        "today": today,
        "gaps": gaps,
        "gap_lines": gap_lines(gaps, place),
        "history": task_history(task),
        "timeline": ownership_timeline(task),
        "assign_form": AssignmentForm(),
        "schedule": schedule,
        "chain": chain,
        "may_pause": chain is not None and may_pause(user, task, holder),
        "pause_form": PauseForm(),
        "may_attest": may_attest,
        "attest_by": gaps.attest_by if gaps is not None and gaps.owner is not None else None,
        "wrong_form": WrongForm(),
        "rhythm": rhythms.stored(task.rhythm),
        "may_confirm": may_confirm,
        # may_skip without asking the database again for the owner and backup.
        "may_skip": may_confirm or may_edit,
        "undo_since": timezone.now() - UNDO_WINDOW,
        "failed_task": None,
        "learned": learned_phrases(task),
        "metric_chart": _metric_chart(task, today),
        "draft_held": held_for_task(draft, task) if draft is not None else [],
        "promises_owned": promises_owned,
        "promise_places": promise_places,
        "metric_form": (
            MetricValueForm(metric=task.metric)
            if task.metric and (may_confirm or may_edit)
            else None
        ),
    }


def _metric_chart(task: Task, today: datetime.date) -> MetricChart | None:
    if task.metric is None:
        return None
    since = today - datetime.timedelta(days=METRIC_DAYS)
    return metric_chart(task.metric, values_since(task.metric, since, limit=30))


def task_page_answer(
    request: HtmxRequest,
    task: Task,
    *,
    part: str,
    notice: str = "",
    refused: Fix | None = None,
    **extra: Any,
) -> HttpResponse:
    """The answer to a change made in place on the task's page: for HTMX, the part it was made
    in, with every other part that shows the same facts swapped out of band, so the owner card,
    the gaps and the history never contradict each other; without it, the whole page."""
    task = Task.objects.select_related("stage", "metric").get(pk=task.pk)
    context = task_page_context(task, user=request.user, refused=refused, draft=in_draft(request))
    context |= extra | {"notices": {part: notice}}
    if not request.htmx:
        return render(request, TEMPLATE, context)
    pieces = [render_to_string(f"{TEMPLATE}#{part}", context, request)]
    pieces += [
        render_to_string(f"{TEMPLATE}#{other}", context | {"oob": True}, request)
        for other in LIVE_PARTS
        if other != part
    ]
    return HttpResponse("".join(pieces))
