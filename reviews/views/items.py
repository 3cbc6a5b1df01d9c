"""Walking a session's items one at a time: the task as it stands, its gaps then and now, the
outcome, and the fix in place (owner, backup, definition of done, rhythm) without leaving."""

from collections.abc import Callable

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from config.rendering import render_page
from ownership.assignments import assign_backup, assign_owner
from ownership.forms import ChoosePersonForm, DefinitionOfDoneForm, RhythmForm, add_errors
from ownership.gap_rules import Rule, task_gaps
from reviews import session_runner
from reviews.forms import MissingTaskForm, OutcomeForm
from reviews.models import ReviewItem, ReviewSession, SessionStatus
from reviews.permissions import ATTEND, RUN
from tasks_registry.changes import StaleVersionError, update_task

TEMPLATE = "reviews/item.html"
RECORDING = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)


def _item(pk: int, item_pk: int) -> ReviewItem:
    return get_object_or_404(
        ReviewItem.objects.select_related(
            "session__facilitator", "session__campaign", "task__stage", "decided_by__person"
        ),
        session_id=pk,
        pk=item_pk,
    )


def _neighbours(item: ReviewItem) -> tuple[ReviewItem | None, ReviewItem | None]:
    items = item.session.items.order_by("position", "pk")
    before = items.filter(position__lt=item.position).last()
    after = items.filter(position__gt=item.position).first()
    return before, after


def _context(request: HttpRequest, item: ReviewItem, **extra) -> dict:
    session = item.session
    decided, total = session_runner.progress(session)
    before, after = _neighbours(item)
    row = task_gaps(item.task, on=timezone.localdate())
    return {
        "session": session,
        "item": item,
        "row": row,
        "snapshot": [Rule(code) for code in item.gaps_snapshot if code in Rule.values],
        "decided": decided,
        "total": total,
        "previous_item": before,
        "following_item": after,
        "may_run": request.user.has_perm(RUN),
        "can_run": request.user.has_perm(RUN) and session.status in RECORDING,
        "outcome_form": OutcomeForm(initial={"outcome": item.outcome, "note": item.note}),
        "errors": {},
        **extra,
    }


@require_GET
@permission_required(ATTEND, raise_exception=True)
def item_detail(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(pk, item_pk)
    return render_page(request, TEMPLATE, _context(request, item), partial="panel")


def _panel(request: HttpRequest, item: ReviewItem, **extra) -> HttpResponse:
    """The item's panel (HTMX) or its page; status 200 even with errors, so HTMX swaps it."""
    context = _context(request, item, **extra)
    if request.htmx:
        response = render(request, f"{TEMPLATE}#panel", context)
        return push_url(response, reverse("reviews:item", args=[item.session_id, item.pk]))
    return render(request, TEMPLATE, context)


@require_POST
@permission_required(RUN, raise_exception=True)
def item_outcome(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(pk, item_pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            session_runner.record_outcome(
                item=item,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
    if form.errors:
        return _panel(request, item, outcome_form=form, refusal=_refusal(form))
    notice = f"“{item.task.name}”: {form.cleaned_data['outcome'].replace('_', ' ')}."
    following = session_runner.next_pending(item.session, after=item.position)
    if following is None:
        if request.htmx:
            return _panel(request, _item(pk, item_pk), notice=notice + " Every item is decided.")
        return redirect("reviews:session", pk=pk)
    if request.htmx:
        return _panel(request, _item(pk, following.pk), notice=notice)
    return redirect("reviews:item", pk=pk, item_pk=following.pk)


def _fix(
    request: HttpRequest,
    pk: int,
    item_pk: int,
    kind: str,
    form_class: type[forms.Form],
    write: Callable[[ReviewItem, dict], str],
) -> HttpResponse:
    item = _item(pk, item_pk)
    form = form_class(request.POST)
    if item.session.status not in RECORDING:
        form.is_valid()
        form.add_error(
            None,
            f"This session is {item.session.get_status_display().lower()}: "
            + (
                "fix the task from its own page."
                if item.session.status == SessionStatus.CLOSED
                else "resume it to fix tasks in it."
            ),
        )
    elif form.is_valid():
        try:
            notice = write(item, form.cleaned_data)
            if item.session.status != SessionStatus.IN_PROGRESS:
                session_runner.start_session(session=item.session, by=request.user)
            return _panel(request, _item(pk, item_pk), notice=notice)
        except StaleVersionError as error:
            form = form_class({**request.POST.dict(), "version": error.task.version})
            form.is_valid()
            form.add_error(
                None,
                "Someone else changed this task while you were typing; it shows their "
                "version now. Your text is kept below: save again to replace theirs.",
            )
        except ValidationError as error:
            add_errors(form, error)
    return _panel(request, item, errors={kind: form}, refusal=_refusal(form))


def _refusal(form: forms.Form) -> str:
    """A refusal that is not about a field (the session is closed, say): shown at the top of
    the panel, where it is seen even when the session's forms are not shown."""
    return " ".join(form.non_field_errors())


@require_POST
@permission_required(RUN, raise_exception=True)
def item_owner(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    def write(item: ReviewItem, data: dict) -> str:
        assign_owner(task=item.task, person=data["person"], by=request.user)
        return f"{data['person'].name} now owns “{item.task.name}”."

    return _fix(request, pk, item_pk, "owner", ChoosePersonForm, write)


@require_POST
@permission_required(RUN, raise_exception=True)
def item_backup(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    def write(item: ReviewItem, data: dict) -> str:
        assign_backup(task=item.task, person=data["person"], by=request.user)
        return f"{data['person'].name} is now the backup for “{item.task.name}”."

    return _fix(request, pk, item_pk, "backup", ChoosePersonForm, write)


@require_POST
@permission_required(RUN, raise_exception=True)
def item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    def write(item: ReviewItem, data: dict) -> str:
        update_task(
            task=item.task,
            by=request.user,
            expected_version=data["version"],
            definition_of_done=data["definition_of_done"].strip(),
        )
        return f"The definition of done of “{item.task.name}” is saved."

    return _fix(request, pk, item_pk, "done", DefinitionOfDoneForm, write)


@require_POST
@permission_required(RUN, raise_exception=True)
def item_rhythm(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    def write(item: ReviewItem, data: dict) -> str:
        saved = update_task(
            task=item.task, by=request.user, expected_version=data["version"], rhythm=data["rhythm"]
        )
        return f"“{item.task.name}” now falls due {saved.rhythm or 'with no rhythm'}."

    return _fix(request, pk, item_pk, "rhythm", RhythmForm, write)


@require_http_methods(["GET", "POST"])
@permission_required(RUN, raise_exception=True)
def missing_task(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a task the map was missing, from inside the session."""
    session = get_object_or_404(ReviewSession, pk=pk)
    form = MissingTaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = session_runner.add_missing_task(
                session=session,
                by=request.user,
                name=data["name"],
                stage=data["stage"],
                owner=data["owner"],
                criticality=data["criticality"],
                rhythm=data["rhythm"],
                definition_of_done=data["definition_of_done"].strip(),
            )
            return redirect("reviews:item", pk=pk, item_pk=item.pk)
        except ValidationError as error:
            add_errors(form, error)
    return render(request, "reviews/missing_task.html", {"session": session, "form": form})
