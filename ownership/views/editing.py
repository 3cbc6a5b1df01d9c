"""Editing tasks: create, edit (refusing lost updates), retire, restore, people, old versions."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from config.form_fields import add_errors
from config.merging import THEIRS, YOURS, Clash, ClashingEdit, StaleEdit, clash_rows
from config.rendering import HtmxRequest
from ownership.assignments import Replacement, assign, replacement, swap_pair, unassign
from ownership.drafts import TASK_FIELDS as DRAFTED
from ownership.drafts import hold_part, hold_removal, hold_task, in_draft
from ownership.fix_in_place import fix_class, fix_in_place
from ownership.fixes import Fix
from ownership.forms import AssignmentForm, TaskForm
from ownership.gap_rules import task_gaps
from ownership.history_in_words import changed_since
from ownership.models import Assignment, Draft
from ownership.permissions import EDIT_MAP
from ownership.task_page import fix_place, task_page_answer
from tasks_registry.changes import (
    create_task,
    restore_version,
    update_task,
    update_task_merging,
)
from tasks_registry.models import Stage, Task


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def task_create(request: HtmxRequest) -> HttpResponse:
    form = TaskForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        values = form.changes()
        name, stage = values.pop("name"), values.pop("stage")
        try:
            task = create_task(name=name, stage=stage, by=request.user, **values)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{task.name}” is on the map. Now give it an owner.")
            return redirect(task)
    context = {"form": form, "task": None, **form.preview(timezone.localdate())}
    return render(request, "ownership/task_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def task_edit(request: HtmxRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(Task.objects.select_related("stage"), slug=slug)
    form = TaskForm(request.POST or None, initial=TaskForm.initial_for(task))
    conflict: list = []
    clashes: list[dict] = []
    draft = in_draft(request)
    if request.method == "POST" and draft is not None and form.is_valid():
        held = _hold_task_edit(request, draft, task, form)
        if held is not None:
            return held
    elif request.method == "POST" and form.is_valid():
        # Whose value stays, for the fields both people changed (offered after a clash).
        keep = {
            name: choice
            for name in TaskForm.FIELDS
            if (choice := request.POST.get(f"keep_{name}")) in (YOURS, THEIRS)
        }
        opened_at = form.cleaned_data["version"]
        try:
            saved = update_task_merging(
                task=task, by=request.user, expected_version=opened_at, keep=keep, **form.changes()
            )
        except ClashingEdit as error:
            # Their saved version and what they typed stay as they are; the form still carries
            # the version it was filled from, so the next save merges again, with the choices.
            conflict = changed_since(error.record, opened_at)
            clashes = _clash_rows(error.clashes)
            task = error.record
        except StaleEdit as error:
            # Keep what they typed; show what changed meanwhile; a second save replaces it,
            # knowingly, because the form now carries the version they have seen.
            conflict = changed_since(error.record, form.cleaned_data["version"])
            data = request.POST.copy()
            data["version"] = error.record.version
            form = TaskForm(data, initial=TaskForm.initial_for(error.record))
            form.is_valid()
            task = error.record
        except ValidationError as error:
            add_errors(form, error)
        else:
            merged = saved.version > opened_at + 1
            messages.success(
                request,
                f"“{saved.name}” is saved"
                + (", merged with what was saved while you edited." if merged else "."),
            )
            return redirect(saved)
    context = {"form": form, "task": task, "conflict": conflict, "clashes": clashes}
    context |= form.preview(timezone.localdate())
    return render(request, "ownership/task_form.html", context, status=409 if conflict else 200)


def _hold_task_edit(
    request: HtmxRequest, draft: Draft, task: Task, form: TaskForm
) -> HttpResponse | None:
    """The task form in draft mode: its stage and criticality held in the draft; None, with
    the form's errors, if it changed anything a draft does not hold."""
    others = [name for name in form.changed_data if name in TaskForm.FIELDS and name not in DRAFTED]
    for name in others:
        form.add_error(
            name,
            f"Draft mode holds a task's stage and criticality only: leave “{draft.name}” to "
            "change this on the live map.",
        )
    if others:
        return None
    changes = {name: form.cleaned_data[name] for name in DRAFTED}
    hold_task(draft=draft, task=task, by=request.user, **changes)
    messages.success(request, f"Held in the draft “{draft.name}”: not made live.")
    return redirect(task)


def _clash_rows(clashes: list[Clash]) -> list[dict]:
    """clash_rows, with stages by name."""
    rows = clash_rows(Task, clashes)
    stages = dict(Stage.objects.values_list("pk", "name"))
    for row in rows:
        if row["field"] == "stage":
            row |= {side: stages.get(row[side], "—") for side in ("original", "theirs", "yours")}
    return rows


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def task_retire(request: HtmxRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(Task, slug=slug)
    update_task(task=task, by=request.user, is_active=False)
    messages.success(
        request, f"“{task.name}” is retired: it leaves the map, the dashboard and the lookup."
    )
    return redirect(task)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def task_restore(request: HtmxRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(Task, slug=slug)
    update_task(task=task, by=request.user, is_active=True)
    messages.success(request, f"“{task.name}” is back on the map.")
    return redirect(task)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def task_restore_version(request: HtmxRequest, slug: str, record_id: int) -> HttpResponse:
    task = get_object_or_404(Task, slug=slug)
    try:
        restored = restore_version(task=task, record_id=record_id, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(task)
    messages.success(request, "The earlier version is restored; the change is in the history.")
    return redirect(restored)


def _people_section(
    request: HtmxRequest, task: Task, form: AssignmentForm, replacing: Replacement | None = None
) -> HttpResponse:
    """The task page's people, with the parts that show the same facts (HTMX); the whole page
    otherwise."""
    return task_page_answer(request, task, part="people", assign_form=form, replacing=replacing)


def _held(request: HtmxRequest, task: Task, draft: Draft) -> HttpResponse:
    """A change made in draft mode: the people section again, with what the draft holds."""
    said = f"Held in the draft “{draft.name}”: not made live."
    if not request.htmx:
        messages.success(request, said)
        return redirect(task)
    return task_page_answer(request, task, part="people", notice=said, assign_form=AssignmentForm())


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def task_assign(request: HtmxRequest, slug: str) -> HttpResponse:
    task = get_object_or_404(Task, slug=slug)
    form = AssignmentForm(request.POST)
    draft = in_draft(request)
    if form.is_valid() and draft is not None:
        # Draft mode: the change is held in the draft, whoever it replaces (shown there).
        try:
            data = form.cleaned_data
            hold_part(
                draft=draft, task=task, person=data["person"], role=data["role"], by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return _held(request, task, draft)
    elif form.is_valid():
        data = form.cleaned_data
        person, role = data["person"], data["role"]
        change = replacement(task=task, person=person, role=role)
        # Replacing someone is confirmed first, and a swap says what becomes of the one replaced.
        if change is not None and (
            not data["confirmed"] or (change.swap and change.holder and not data["previous"])
        ):
            return _people_section(request, task, form, replacing=change)
        try:
            if change is not None and change.swap:
                swap_pair(
                    task=task, person=person, role=role, previous=data["previous"], by=request.user
                )
            else:
                assign(task=task, person=person, role=role, by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not request.htmx:
                return redirect(task)
            form = AssignmentForm()
    return _people_section(request, task, form)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def task_unassign(request: HtmxRequest, slug: str, assignment_id: int) -> HttpResponse:
    task = get_object_or_404(Task, slug=slug)
    assignment = get_object_or_404(Assignment, pk=assignment_id, task=task)
    draft = in_draft(request)
    if draft is not None:
        hold_removal(draft=draft, assignment=assignment, by=request.user)
        return _held(request, task, draft)
    unassign(assignment=assignment, by=request.user)
    if not request.htmx:
        return redirect(task)
    return _people_section(request, task, AssignmentForm())


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def task_fix(request: HtmxRequest, slug: str, kind: str) -> HttpResponse:
    """A gap fixed on the task's page: its gaps again, with the owner card, people and history
    brought up to date; or the form with its errors."""
    task = get_object_or_404(Task.objects.select_related("stage"), slug=slug, is_active=True)
    row = task_gaps(task, on=timezone.localdate())
    form = fix_place(task).form(
        fix_class(kind),
        task=row or task,
        owner=row.owner if row else None,
        form_id=f"fix-{kind}",
        data=request.POST,
    )

    def fixed(notice: str) -> HttpResponse:
        if request.htmx:
            return task_page_answer(request, task, part="gaps", notice=notice)
        messages.success(request, notice)
        return redirect(task)

    def refused(form: Fix) -> HttpResponse:
        return task_page_answer(request, task, part="gaps", refused=form)

    return fix_in_place(request, form, task=task, fixed=fixed, refused=refused)
