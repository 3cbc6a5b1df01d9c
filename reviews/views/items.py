"""Walking a session's items one at a time: the task as it stands, its gaps then and now, the
outcome, and the fix in place (owner, backup, definition of done, rhythm) without leaving."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from config.form_fields import add_errors
from config.rendering import HtmxRequest, render_page
from config.writes import writes_for
from ownership.assignments import owners_and_backups
from ownership.fix_in_place import FixPlace, fix_class, fix_in_place
from ownership.fixes import BackupFix, DefinitionOfDoneFix, Fix, OwnerFix, RhythmFix
from ownership.gap_rules import RULES, task_gaps
from ownership.models import Assignment, Role
from ownership.people_changes import person_label
from reviews import session_runner
from reviews.forms import OUTCOME_BUTTONS, MissingTaskForm, OutcomeForm
from reviews.item_metric import item_metric
from reviews.models import ReviewItem, ReviewSession, SessionStatus
from reviews.permissions import ATTEND, RUN

TEMPLATE = "reviews/item.html"
# Whatever its gaps, a session may fix any of these while it walks a task.
REVIEW_FIXES = (OwnerFix, BackupFix, DefinitionOfDoneFix, RhythmFix)
# The people who help with a task without owning it: one of them is who an owner is chosen from.
HELPING = (Role.CONTRIBUTOR, Role.CHECKER, Role.BACKUP)


def _item(pk: int, item_pk: int) -> ReviewItem:
    return get_object_or_404(
        ReviewItem.objects.select_related(
            "session__facilitator",
            "session__campaign",
            "task__stage",
            "task__metric",
            "decided_by__person",
        ),
        session_id=pk,
        pk=item_pk,
    )


def _neighbours(item: ReviewItem) -> tuple[ReviewItem | None, ReviewItem | None]:
    items = item.session.items.order_by("position", "pk")
    before = items.filter(position__lt=item.position).last()
    after = items.filter(position__gt=item.position).first()
    return before, after


def _place(item: ReviewItem, refused: Fix | None = None) -> FixPlace:
    return FixPlace(
        action=lambda task, kind: reverse(
            "reviews:item_fix", args=[item.session_id, item.pk, kind]
        ),
        target="#item-panel",
        refused=refused,
    )


def _context(request: HtmxRequest, item: ReviewItem, refused: Fix | None = None, **extra) -> dict:
    session = item.session
    decided, total = session_runner.progress(session)
    before, after = _neighbours(item)
    row = task_gaps(item.task, on=timezone.localdate())
    place = _place(item, refused)
    # A retired task has no row on the map, but may still have its people.
    owner, backup = (
        (row.owner, row.backup)
        if row
        else owners_and_backups([item.task_id]).get(item.task_id, (None, None))
    )
    return {
        "session": session,
        "item": item,
        "row": row,
        "owner": owner,
        "backup": backup,
        "then": item.people_snapshot,
        # Codes of rules since removed are left out: the snapshot is a record, not the truth.
        "snapshot": [rule for code in item.gaps_snapshot if (rule := RULES.get(code))],
        "decided": decided,
        "total": total,
        "previous_item": before,
        "following_item": after,
        "may_run": request.user.has_perm(RUN),
        "can_run": request.user.has_perm(RUN) and session.status in session_runner.RECORDING,
        "outcome_form": OutcomeForm(
            initial={"outcome": item.outcome, "note": item.note}, metric=item.task.metric
        ),
        "metric": item_metric(item),
        "outcomes": OUTCOME_BUTTONS,
        "helpers": [
            {
                "person": a.person,
                "role": a.get_role_display().lower(),
                "label": person_label(a.person),
            }
            for a in Assignment.objects.filter(task=item.task, role__in=HELPING)
            .select_related("person")
            .order_by("role", "person__name")
        ],
        "fixes": [
            place.form(fix, task=item.task, owner=owner, form_id=f"fix-{fix.kind}")
            for fix in REVIEW_FIXES
        ],
        **extra,
    }


@require_GET
@permission_required(ATTEND, raise_exception=True)
def item_detail(request: HtmxRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(pk, item_pk)
    return render_page(request, TEMPLATE, _context(request, item), partial="panel")


def _panel(request: HtmxRequest, item: ReviewItem, **extra) -> HttpResponse:
    """The item's panel (HTMX) or its page; status 200 even with errors, so HTMX swaps it."""
    context = _context(request, item, **extra)
    if request.htmx:
        response = render(request, f"{TEMPLATE}#panel", context)
        return push_url(response, reverse("reviews:item", args=[item.session_id, item.pk]))
    return render(request, TEMPLATE, context)


@require_POST
@permission_required(RUN, raise_exception=True)
def item_outcome(request: HtmxRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(pk, item_pk)
    form = OutcomeForm(request.POST, metric=item.task.metric)
    if form.is_valid():
        try:
            session_runner.record_outcome(
                item=item,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                by=request.user,
                metric_value=form.cleaned_data.get("metric_value"),
            )
        except ValidationError as error:
            add_errors(form, error)
    from_list = request.POST.get("from") == "list"
    if form.errors and not from_list:
        return _panel(request, item, outcome_form=form, refusal=_refusal(form))
    notice = f"“{item.task.name}”: {form.cleaned_data.get('outcome', '').replace('_', ' ')}."
    if from_list:
        return _row(request, _item(pk, item_pk), form=form, notice=notice)
    following = session_runner.next_pending(item.session, after=item.position)
    if following is None:
        if request.htmx:
            return _panel(request, _item(pk, item_pk), notice=notice + " Every item is decided.")
        return redirect("reviews:session", pk=pk)
    if request.htmx:
        return _panel(request, _item(pk, following.pk), notice=notice)
    return redirect("reviews:item", pk=pk, item_pk=following.pk)


@require_POST
@permission_required(RUN, raise_exception=True)
def item_fix(request: HtmxRequest, pk: int, item_pk: int, kind: str) -> HttpResponse:
    """A task fixed from inside the session: the item's panel again with its gaps now, or the
    form with its errors. Fixing starts a scheduled session."""
    item = _item(pk, item_pk)
    row = task_gaps(item.task, on=timezone.localdate())
    form = _place(item).form(
        fix_class(kind),
        task=item.task,
        owner=row.owner if row else None,
        form_id=f"fix-{kind}",
        data=request.POST,
    )
    session = item.session
    refusal = ""
    if session.status not in session_runner.RECORDING:
        refusal = f"This session is {session.get_status_display().lower()}: " + (
            "fix the task from its own page."
            if session.status == SessionStatus.CLOSED
            else "resume it to fix tasks in it."
        )

    def fixed(notice: str) -> HttpResponse:
        if session.status != SessionStatus.IN_PROGRESS:
            session_runner.start_session(session=session, by=request.user)
        # The fix panel stays open: a task often needs more than one fix.
        return _panel(request, _item(pk, item_pk), notice=notice, fixing=True)

    def refused(form: Fix) -> HttpResponse:
        return _panel(request, item, refused=form, refusal=_refusal(form))

    with writes_for(session.cause):
        return fix_in_place(
            request, form, task=item.task, fixed=fixed, refused=refused, refusal=refusal
        )


def _row(request: HtmxRequest, item: ReviewItem, *, form: OutcomeForm, notice: str):
    """An outcome recorded from the session's list: its row again (HTMX), with the progress,
    or back to the list."""
    error = " ".join(str(message) for errors in form.errors.values() for message in errors)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(reverse("reviews:session", args=[item.session_id]) + "?show=all")
    session_runner.with_people([item])
    decided, total = session_runner.progress(item.session)
    context = {
        "session": item.session,
        "item": item,
        "can_record": item.session.status in session_runner.RECORDING,
        "row_error": error,
        "row_notice": "" if error else notice,
        "decided": decided,
        "total": total,
        "oob": True,
    }
    row = render_to_string("reviews/session_detail.html#row", context, request=request)
    progress = render_to_string("reviews/_progress.html", context, request=request)
    return HttpResponse(row + progress)


def _refusal(form: forms.Form) -> str:
    """A refusal that is not about a field (the session is closed, say): shown at the top of
    the panel, where it is seen even when the session's forms are not shown."""
    return " ".join(form.non_field_errors())


@require_http_methods(["GET", "POST"])
@permission_required(RUN, raise_exception=True)
def missing_task(request: HtmxRequest, pk: int) -> HttpResponse:
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
