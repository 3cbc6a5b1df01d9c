"""The map, seen four ways: by customer-journey stage, by team, by person, and as RACI."""

from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ownership.dashboard_sections import Filters
from ownership.gap_rules import gap_report
from ownership.map import (
    MAP_COLUMN_SIZE,
    MAP_PAGE_SIZE,
    RACI_PAGE_SIZE,
    raci_page,
    stage_columns,
    stage_page,
    task_rows,
    tasks_of_team,
)
from ownership.models import Team
from ownership.permissions import VIEW_MAP
from ownership.time_travel import map_as_of, parse_day, raci_as_of


def _with_gaps(rows, report):
    return [(row, report.gaps_of.get(row.task.pk, ())) for row in rows]


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def map_by_stage(request: HttpRequest) -> HttpResponse:
    """A column per stage of the customer journey, a card per task with its owner and gaps."""
    if "as_of" in request.GET:
        return _map_as_it_was(request)
    today = timezone.localdate()
    filters = Filters.from_query(request.GET)
    tasks = filters.tasks()
    report = gap_report(on=today, tasks=tasks)
    context: dict[str, object] = {"filters": filters, "today": today, "count": report.task_count}
    if filters.stage is None:
        columns = stage_columns(tasks, filters.stages, report, on=today)
        # Narrowed to a team or a metric, the stages without its tasks would hide those with.
        context["columns"] = [c for c in columns if c.count or not filters.narrowed]
    else:
        context["cards"], context["page"] = stage_page(
            tasks, report, request.GET.get("page"), on=today
        )
    return render(request, "ownership/map_stages.html", context)


def _map_as_it_was(request: HttpRequest) -> HttpResponse:
    """The map as it was at the end of a day: read only, from the history. Like today's, each
    stage shows its first cards and links to its own pages (drawing 10,000 rows at once took
    most of a second)."""
    typed = request.GET["as_of"]
    context: dict[str, object] = {"typed": typed}
    try:
        day = parse_day(typed)
        stages = map_as_of(day)
    except ValidationError as error:
        context["problem"] = " ".join(error.messages)
    else:
        context["day"] = day
        # A stage it does not know (or that had no task that day) shows every stage, as the
        # map of today does with a stale bookmark.
        wanted = request.GET.get("stage")
        chosen = next(((s, t) for s, t in stages if s.slug == wanted), None)
        if chosen is not None:
            stage, tasks = chosen
            page = Paginator(tasks, MAP_PAGE_SIZE).get_page(request.GET.get("page"))
            query = urlencode({"as_of": day.isoformat(), "stage": stage.slug})
            context |= {"stage": stage, "page": page, "pager": SimpleNamespace(query=query)}
        else:
            context["stages"] = [(s, t[:MAP_COLUMN_SIZE], len(t)) for s, t in stages]
    status = 400 if "problem" in context else 200
    return render(request, "ownership/map_as_of.html", context, status=status)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The map by team: its people, and every task one of them has a part in."""
    today = timezone.localdate()
    team = get_object_or_404(Team.objects.select_related("lead"), slug=slug)
    tasks = tasks_of_team(team)
    report = gap_report(on=today, tasks=tasks)
    rows = _with_gaps(task_rows(tasks.order_by("stage__order", "name"), on=today), report)
    members = list(team.members.order_by("name"))
    owned, involved = [], []
    for card in rows:
        owner = card[0].owner
        (owned if owner is not None and owner.team_id == team.pk else involved).append(card)
    context = {
        "team": team,
        "members": members,
        "owned": owned,
        "involved": involved,
        "today": today,
    }
    return render(request, "ownership/team_detail.html", context)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def raci(request: HttpRequest) -> HttpResponse:
    filters = Filters.from_query(request.GET)
    context: dict[str, object] = {"filters": filters, "pager": filters}
    if not request.GET.get("as_of"):
        context["matrix"], context["page"] = raci_page(filters.tasks(), request.GET.get("page"))
        return render(request, "ownership/raci.html", context)
    # As it was at the end of a day: read only, from the history, a page at a time as today's.
    typed = request.GET["as_of"]
    context["typed"] = typed
    try:
        day = parse_day(typed)
        then = raci_as_of(day, stage=filters.stage, team=filters.team, stages=filters.stages)
    except ValidationError as error:
        context["problem"] = " ".join(error.messages)
        return render(request, "ownership/raci.html", context, status=400)
    page = Paginator(then.rows, RACI_PAGE_SIZE).get_page(request.GET.get("page"))
    pager = SimpleNamespace(query=filters.query(as_of=day.isoformat()))
    context |= {"day": day, "page": page, "pager": pager}
    context["matrix"] = then.matrix(list(page.object_list))
    return render(request, "ownership/raci.html", context)
