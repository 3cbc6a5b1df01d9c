from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.rendering import render_page
from ownership.acting import acting_owner
from ownership.forms import AssignmentForm
from ownership.gaps import task_gaps
from ownership.history import task_history
from ownership.lookup import lookup
from ownership.map import active_tasks, task_rows
from ownership.models import Role
from ownership.permissions import VIEW_MAP, may_confirm_done
from tasks_registry import due, rhythms
from tasks_registry.completions import UNDO_WINDOW
from tasks_registry.models import PreviousSlug, Stage, Task

LIVE_RESULTS, PAGE_RESULTS = 5, 10


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    stages = list(Stage.objects.all())
    stage = next((s for s in stages if s.slug == request.GET.get("stage")), None)
    rows = task_rows(active_tasks(stage=stage), on=today)
    context = {"rows": rows, "stages": stages, "stage": stage, "today": today}
    return render_page(request, "ownership/task_list.html", context, partial="task-table")


def _renamed_task_redirect(slug: str) -> HttpResponsePermanentRedirect:
    """A slug a task had before a rename: to the task's page under its current slug."""
    previous = get_object_or_404(PreviousSlug.objects.select_related("task"), slug=slug)
    return redirect("ownership:task_detail", slug=previous.task.slug, permanent=True)


def task_page_context(task: Task, *, user) -> dict:
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
    }


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_detail(request: HttpRequest, slug: str) -> HttpResponse:
    task = Task.objects.select_related("stage").filter(slug=slug).first()
    if task is None:
        return _renamed_task_redirect(slug)
    context = task_page_context(task, user=request.user)
    return render(request, "ownership/task_detail.html", context)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_permalink(request: HttpRequest, slug: str) -> HttpResponse:
    """/t/<slug>: the short link to paste in a chat. Old slugs of renamed tasks still work."""
    if Task.objects.filter(slug=slug).exists():
        return redirect("ownership:task_detail", slug=slug)
    return _renamed_task_redirect(slug)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    today = timezone.localdate()
    # The live dropdown under the search box shows the best few; the results page shows more.
    limit = LIVE_RESULTS if request.htmx else PAGE_RESULTS
    result = lookup(query, limit=limit, on=today)
    context = {
        "result": result,
        "query": query,
        "today": today,
        "stages": [] if result.answers else list(Stage.objects.all()),
    }
    return render_page(request, "ownership/search.html", context, partial="results")
