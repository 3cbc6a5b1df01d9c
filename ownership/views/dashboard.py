"""The dashboard: where the map is wrong, and the fix in place."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from config.rendering import HtmxRequest, render_page
from ownership.dashboard_sections import Filters, build_dashboard
from ownership.fix_in_place import FixPlace, fix_class, fix_in_place, posted_form_id
from ownership.fixes import Fix
from ownership.gap_rules import task_gaps
from ownership.lookup.learning import unanswered_card
from ownership.people_changes import pending_handovers, suggest_people
from ownership.permissions import EDIT_MAP, VIEW_MAP
from tasks_registry.models import Task

TEMPLATE = "ownership/dashboard.html"


def _place(request: HtmxRequest, filters: Filters, refused: Fix | None = None) -> FixPlace:
    """Where the dashboard's fixes post, and the filters and page they keep."""
    keep = {
        "stage": filters.stage.slug if filters.stage else "",
        "team": filters.team.slug if filters.team else "",
        "rule": filters.rule.code if filters.rule else "",
        "page": (request.POST.get("page") or request.GET.get("page", "")) if filters.rule else "",
    }
    # One reverse() for every row's fixes (slugs and fix names are URL-safe as they are).
    prefix = reverse("ownership:fix", args=["slug", "owner"]).removesuffix("slug/owner")
    return FixPlace(
        action=lambda row, kind: f"{prefix}{row.slug}/{kind}",
        target="#dashboard",
        keep={name: value for name, value in keep.items() if value},
        compact=True,
        refused=refused,
    )


def _context(request: HtmxRequest, filters: Filters, refused: Fix | None = None, **extra) -> dict:
    page = request.POST.get("page") or request.GET.get("page")  # a fix keeps the page it was on
    # Only someone who may edit the map is offered fixes.
    place = _place(request, filters, refused) if request.user.has_perm(EDIT_MAP) else None
    board = build_dashboard(filters, on=timezone.localdate(), page_number=page, place=place)
    return {"board": board, "filters": filters, **extra}


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def dashboard(request: HtmxRequest) -> HttpResponse:
    filters = Filters.from_query(request.GET)
    context = _context(request, filters)
    if request.user.has_perm(EDIT_MAP) and not request.htmx:
        context |= unanswered_card()
        context["handovers"] = pending_handovers(timezone.localdate())
    return render_page(request, TEMPLATE, context, partial="dashboard")


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def people_suggest(request: HtmxRequest) -> HttpResponse:
    """Options for a person type-ahead (a <datalist>), from what has been typed so far: the
    `person` parameter, or the one field a form sent under its own name (the handover's)."""
    typed = request.GET.get("person")
    if typed is None and len(request.GET) == 1:
        typed = next(iter(request.GET.values()))
    people = suggest_people(typed or "")
    context = {"people": people, "today": timezone.localdate()}
    return render(request, "ownership/_people_options.html", context)


# --- The fix in place ------------------------------------------------------------------------


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def fix(request: HtmxRequest, slug: str, kind: str) -> HttpResponse:
    """A gap fixed from its row: the dashboard again, without the row if its gap is gone and
    with the counts updated; or the form with its errors."""
    task = get_object_or_404(Task, slug=slug, is_active=True)
    filters = Filters.from_query(request.POST)
    form_id = posted_form_id(request, f"fix-{task.pk}-task-{kind}")
    row = task_gaps(task, on=timezone.localdate())
    form = _place(request, filters).form(
        fix_class(kind),
        task=row or task,
        owner=row.owner if row else None,
        form_id=form_id,
        data=request.POST,
    )

    def fixed(notice: str) -> HttpResponse:
        if request.htmx:
            return render(
                request, f"{TEMPLATE}#dashboard", _context(request, filters, notice=notice)
            )
        messages.success(request, notice)
        query = filters.query()
        return redirect(reverse("ownership:dashboard") + (f"?{query}" if query else ""))

    def refused(form: Fix) -> HttpResponse:
        # The whole page: the error shows at the form, and at the top in case that form is no
        # longer on the page (its gap was fixed meanwhile).
        problems = " ".join(str(message) for errors in form.errors.values() for message in errors)
        refusal = f"“{task.name}” was not changed: {problems}"
        return render(request, TEMPLATE, _context(request, filters, form, refusal=refusal))

    return fix_in_place(request, form, task=task, fixed=fixed, refused=refused)
