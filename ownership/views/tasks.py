from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.rendering import render_page
from ownership.drafts import in_draft
from ownership.lookup import lookup
from ownership.lookup.learning import record_pick, record_question
from ownership.map import active_tasks, task_rows
from ownership.permissions import VIEW_MAP
from ownership.task_page import task_page_context
from ownership.time_travel import ownership_timeline, parse_day, task_as_of
from tasks_registry.models import PreviousSlug, Stage, Task

LIVE_RESULTS, PAGE_RESULTS = 5, 10


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_suggest(request: HttpRequest) -> HttpResponse:
    """Options for a task type-ahead (a <datalist>): the tasks the typed words mean, as the
    lookup ranks them, by their exact names. The field sends its value under its own name."""
    typed = str(next(iter(request.GET.values()), "")) if len(request.GET) == 1 else ""
    answers = lookup(typed, limit=8).answers if typed.strip() else []
    context = {"tasks": [answer.task for answer in answers]}
    return render(request, "ownership/_task_options.html", context)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    stages = list(Stage.objects.all())
    stage = next((s for s in stages if s.slug == request.GET.get("stage")), None)
    rows = task_rows(active_tasks(stage=stage), on=today)
    context = {"rows": rows, "stages": stages, "stage": stage, "today": today}
    return render_page(request, "ownership/task_list.html", context, partial="task-table")


def _renamed_task_redirect(slug: str, query: str = "") -> HttpResponsePermanentRedirect:
    """A slug a task had before a rename: to the task's page under its current slug, with the
    same query (?as_of=…)."""
    previous = PreviousSlug.objects.select_related("task").filter(slug=slug).first()
    if previous is None:
        # Read out by Django's debug page too (make run): the words a person typed, not a model.
        raise Http404(f"No task on the map is at “{slug}”: it may have been mistyped.")
    url = previous.task.get_absolute_url() + (f"?{query}" if query else "")
    return HttpResponsePermanentRedirect(url)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_detail(request: HttpRequest, slug: str) -> HttpResponse:
    task = Task.objects.select_related("stage", "metric").filter(slug=slug).first()
    if task is None:
        return _renamed_task_redirect(slug, request.GET.urlencode())
    if "as_of" in request.GET:
        return _task_as_it_was(request, task)
    context = task_page_context(task, user=request.user, draft=in_draft(request))
    return render(request, "ownership/task_detail.html", context)


def _task_as_it_was(request: HttpRequest, task: Task) -> HttpResponse:
    """The task's page as it was at the end of a day: read only, from the history."""
    typed = request.GET["as_of"]
    context = {"task": task, "typed": typed, "timeline": ownership_timeline(task)}
    try:
        context["then"] = task_as_of(task, parse_day(typed))
    except ValidationError as error:
        context["problem"] = " ".join(error.messages)
    status = 400 if "problem" in context else 200
    return render(request, "ownership/task_as_of.html", context, status=status)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def task_permalink(request: HttpRequest, slug: str) -> HttpResponse:
    """/t/<slug>: the short link to paste in a chat. Old slugs of renamed tasks still work.

    A link from a lookup's answers carries the query (`?q=`): opening it records which task
    those words were meant for (ownership.lookup.learning)."""
    task = Task.objects.filter(slug=slug).first()
    if task is None:
        return _renamed_task_redirect(slug)
    query = request.GET.get("q", "")
    if query:
        live = request.GET.get("live") == "1"
        record_pick(task=task, query=query, user=request.user, asked_here=live)
    return redirect("ownership:task_detail", slug=slug)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    today = timezone.localdate()
    # The live dropdown under the search box shows the best few; the results page shows more.
    limit = LIVE_RESULTS if request.htmx else PAGE_RESULTS
    result = lookup(query, limit=limit, on=today)
    if not request.htmx:
        # The live results count a question only when an answer is opened (every keystroke
        # asks one there); the results page is a question asked.
        record_question(query=query, found=bool(result.answers))
    # What each answer's link carries, so that opening it teaches the lookup (task_permalink).
    asked = {"q": query, "live": "1"} if request.htmx else {"q": query}
    context = {
        "result": result,
        "asked": "?" + urlencode(asked, quote_via=quote),
        "query": query,
        "today": today,
        "stages": [] if result.answers else list(Stage.objects.all()),
    }
    return render_page(request, "ownership/search.html", context, partial="results")
