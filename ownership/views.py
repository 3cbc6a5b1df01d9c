from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.rendering import render_page
from ownership.acting import acting_owner
from ownership.history import task_history
from ownership.map import active_tasks, task_rows
from ownership.models import Role
from tasks_registry.models import Stage, Task

VIEW_MAP = "tasks_registry.view_task"


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    stages = list(Stage.objects.all())
    stage = next((s for s in stages if s.slug == request.GET.get("stage")), None)
    rows = task_rows(active_tasks(stage=stage), on=today)
    context = {"rows": rows, "stages": stages, "stage": stage, "today": today}
    return render_page(request, "ownership/task_list.html", context, partial="task-table")


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_detail(request: HttpRequest, slug: str) -> HttpResponse:
    today = timezone.localdate()
    task = get_object_or_404(Task.objects.select_related("stage"), slug=slug)
    assignments = list(
        task.assignments.select_related("person", "person__team").order_by("person__name")
    )
    by_role = {role: [a.person for a in assignments if a.role == role] for role in Role}
    owner = next(iter(by_role[Role.OWNER]), None)
    backup = next(iter(by_role[Role.BACKUP]), None)
    context = {
        "task": task,
        "by_role": [(Role(role).label, people) for role, people in by_role.items()],
        "owner": owner,
        "backup": backup,
        "acting": acting_owner(owner, backup, today),
        "today": today,
        "history": task_history(task),
    }
    return render(request, "ownership/task_detail.html", context)
