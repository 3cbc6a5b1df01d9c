"""The dashboard: where the map is wrong, and the fix in place."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from config.rendering import render_page
from ownership.assignments import assign_backup, assign_owner, confirm_owner
from ownership.dashboard_sections import Filters, build_dashboard
from ownership.forms import (
    ChoosePersonForm,
    DefinitionOfDoneForm,
    RhythmForm,
    add_errors,
)
from ownership.gap_rules import Rule, task_gaps
from ownership.lookup.learning import unanswered_card
from ownership.people_changes import suggest_people
from ownership.permissions import EDIT_MAP, VIEW_MAP
from tasks_registry.changes import StaleVersionError, update_task
from tasks_registry.models import Task

TEMPLATE = "ownership/dashboard.html"


def _context(request: HttpRequest, filters: Filters, **extra) -> dict:
    page = request.POST.get("page") or request.GET.get("page")  # a fix keeps the page it was on
    board = build_dashboard(filters, on=timezone.localdate(), page_number=page)
    return {"board": board, "filters": filters, "errors": {}, "form": None, **extra}


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = Filters.from_query(request.GET)
    context = _context(request, filters)
    if request.user.has_perm(EDIT_MAP) and not request.htmx:
        context |= unanswered_card()
    return render_page(request, TEMPLATE, context, partial="dashboard")


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def people_suggest(request: HttpRequest) -> HttpResponse:
    """Options for a person type-ahead (a <datalist>), from what has been typed so far: the
    `person` parameter, or the one field a form sent under its own name (the handover's)."""
    typed = request.GET.get("person")
    if typed is None and len(request.GET) == 1:
        typed = next(iter(request.GET.values()))
    people = suggest_people(typed or "")
    context = {"people": people, "today": timezone.localdate()}
    return render(request, "ownership/_people_options.html", context)


# --- The fix in place ------------------------------------------------------------------------


def _fixed(request: HttpRequest, filters: Filters, notice: str) -> HttpResponse:
    """After a fix: the dashboard again, without the row if its gap is gone, counts updated."""
    if request.htmx:
        context = _context(request, filters, notice=notice)
        return render(request, f"{TEMPLATE}#dashboard", context)
    messages.success(request, notice)
    query = filters.query()
    return redirect(reverse("ownership:dashboard") + (f"?{query}" if query else ""))


def _refused(
    request: HttpRequest, filters: Filters, task: Task, kind: str, form, section: str
) -> HttpResponse:
    """The form again with its errors, where it was typed; nothing was written."""
    form_id = f"fix-{task.pk}-{section}-{kind}"
    if request.htmx:
        row = task_gaps(task, on=timezone.localdate())
        context = {
            "row": row,
            "section": section,
            "kind": kind,
            "form": form,
            "filters": filters,
            "can_edit": True,
        }
        response = render(request, f"{TEMPLATE}#fix-form", context)
        return reswap(retarget(response, f"#{form_id}"), "outerHTML")
    # Without JavaScript the whole page comes back: the error shows at the form, and at the top
    # in case that form is no longer on the page (its gap was fixed meanwhile).
    problems = " ".join(str(message) for messages_ in form.errors.values() for message in messages_)
    refusal = f"“{task.name}” was not changed: {problems}"
    context = _context(request, filters, errors={form_id: form}, refusal=refusal)
    return render(request, TEMPLATE, context)


def _fix(
    request: HttpRequest,
    slug: str,
    kind: str,
    form_class: type,
    write: Callable[[Task, dict], str],
) -> HttpResponse:
    task = get_object_or_404(Task, slug=slug, is_active=True)
    filters = Filters.from_query(request.POST)
    section = request.POST.get("section", "")
    section = section if section in Rule.values else "task"
    form = form_class(request.POST)
    if form.is_valid():
        try:
            return _fixed(request, filters, write(task, form.cleaned_data))
        except StaleVersionError as error:
            current = error.task
            form = form_class(
                {**request.POST.dict(), "version": current.version}  # the next save may replace
            )
            form.is_valid()
            form.add_error(None, _conflict_message(current, kind))
        except ValidationError as error:
            add_errors(form, error)
    return _refused(request, filters, task, kind, form, section)


def _conflict_message(current: Task, kind: str) -> str:
    field = {"done": "definition_of_done", "rhythm": "rhythm"}[kind]
    label = current._meta.get_field(field).verbose_name
    value = getattr(current, field) or "(empty)"
    return (
        f"Someone else changed this task while you were typing. Its {label} now reads: "
        f"“{value}”. Your text is kept below: save again to replace theirs."
    )


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def fix_owner(request: HttpRequest, slug: str) -> HttpResponse:
    def write(task: Task, data: dict) -> str:
        assign_owner(task=task, person=data["person"], by=request.user)
        return f"{data['person'].name} now owns “{task.name}”."

    return _fix(request, slug, "owner", ChoosePersonForm, write)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def fix_backup(request: HttpRequest, slug: str) -> HttpResponse:
    def write(task: Task, data: dict) -> str:
        assign_backup(task=task, person=data["person"], by=request.user)
        return f"{data['person'].name} is now the backup for “{task.name}”."

    return _fix(request, slug, "backup", ChoosePersonForm, write)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def fix_confirm_owner(request: HttpRequest, slug: str) -> HttpResponse:
    def write(task: Task, data: dict) -> str:
        owner = confirm_owner(task=task, by=request.user)
        return f"{owner.person.name} stays the owner of “{task.name}”."

    return _fix(request, slug, "confirm", forms.Form, write)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def fix_done(request: HttpRequest, slug: str) -> HttpResponse:
    def write(task: Task, data: dict) -> str:
        update_task(
            task=task,
            by=request.user,
            expected_version=data["version"],
            definition_of_done=data["definition_of_done"].strip(),
        )
        return f"The definition of done of “{task.name}” is saved."

    return _fix(request, slug, "done", DefinitionOfDoneForm, write)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def fix_rhythm(request: HttpRequest, slug: str) -> HttpResponse:
    def write(task: Task, data: dict) -> str:
        saved = update_task(
            task=task, by=request.user, expected_version=data["version"], rhythm=data["rhythm"]
        )
        return f"“{task.name}” now falls due {saved.rhythm}."

    return _fix(request, slug, "rhythm", RhythmForm, write)
