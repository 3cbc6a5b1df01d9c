"""The reviews page (sessions to come, past ones, the trend), a session, its summary."""

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_fields import add_errors
from config.rendering import render_page
from ownership.gap_rules import gap_report
from reviews import carrying, jobs, pre_review, session_runner
from reviews.forms import FollowUpForm
from reviews.models import Outcome, ReviewSession, SessionStatus
from reviews.permissions import ATTEND, RUN
from reviews.scheduling import map_figures
from reviews.summary import session_summary, summary_recipients
from reviews.trend import figures_of, trend_chart, trend_columns

ITEMS_PER_PAGE = 50
# Listed on the page that asks before closing; the rest are counted.
CLOSE_LISTS = 50
SHOWN = {
    "pending": ("Not yet reviewed", {"outcome": Outcome.PENDING}),
    "decided": ("Decided", {}),
    "all": ("All", {}),
}


def _session(pk: int) -> ReviewSession:
    return get_object_or_404(ReviewSession.objects.select_related("facilitator", "campaign"), pk=pk)


@require_GET
@permission_required(ATTEND, raise_exception=True)
def session_list(request: HttpRequest) -> HttpResponse:
    upcoming, past = session_runner.upcoming_and_past(timezone.localdate())
    for session in past:
        session.figures = figures_of(session)
    report = gap_report(on=timezone.localdate())
    now = map_figures(report) if past else {}
    context = {
        "report": report,
        "upcoming": upcoming,
        "past": past,
        "chart": trend_chart(past, now, timezone.localdate()),
        "trend_columns": trend_columns(),
    }
    return render(request, "reviews/session_list.html", context)


@require_GET
@permission_required(ATTEND, raise_exception=True)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    show = request.GET.get("show")
    show = show if show in SHOWN else "pending"
    items = session.items.select_related("task__stage", "decided_by__person").order_by(
        "position", "pk"
    )
    if show == "pending":
        items = items.filter(outcome=Outcome.PENDING)
    elif show == "decided":
        items = items.exclude(outcome=Outcome.PENDING)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    session_runner.with_people(page.object_list)
    decided, total = session_runner.progress(session)
    owners = pre_review.who_pre_reviewed(session)
    confirmed = (
        pre_review.confirmed_by_owners(session) if session.status != SessionStatus.CLOSED else []
    )
    context = {
        "session": session,
        "page": page,
        "show": show,
        "shown": SHOWN,
        "decided": decided,
        "total": total,
        "undecided": total - decided,
        "next_item": session_runner.next_pending(session, confirmed=confirmed),
        "owners": owners,
        "pre_reviewed": sum(1 for status in owners if status.done),
        "owns_some": any(status.person.user_id == request.user.pk for status in owners),
        "confirmed": confirmed,
        "can_run": request.user.has_perm(RUN),
        "can_record": request.user.has_perm(RUN) and session.status in session_runner.RECORDING,
    }
    return render_page(request, "reviews/session_detail.html", context, partial="items")


def _summary_page(
    request: HttpRequest, session: ReviewSession, form: FollowUpForm | None = None, status=200
) -> HttpResponse:
    context = {
        "session": session,
        "summary": session_summary(session),
        "may_follow_up": request.user.has_perm(RUN),
        "follow_up_form": form or FollowUpForm(initial={"on": timezone.localdate()}),
    }
    return render(request, "reviews/summary.html", context, status=status)


@require_GET
@permission_required(ATTEND, raise_exception=True)
def session_summary_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _summary_page(request, _session(pk))


@require_POST
@permission_required(RUN, raise_exception=True)
def session_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up for what a closed session left unreviewed, from its summary."""
    session = _session(pk)
    form = FollowUpForm(request.POST)
    # Signed in: permission_required saw to it.
    manager: AbstractBaseUser = request.user  # type: ignore[assignment]
    if form.is_valid():
        try:
            made = session_runner.schedule_follow_up(
                session=session, on=form.cleaned_data["on"], by=manager
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            count = made.items.count()
            messages.success(
                request,
                f"Scheduled for {made.scheduled_for:%-d %B}: {count} item{pluralize(count)} "
                "not reviewed last time.",
            )
            return redirect("reviews:session", pk=made.pk)
    return _summary_page(request, session, form, status=400)


def _change_status(request: HttpRequest, pk: int, write, done: str) -> HttpResponse:
    session = _session(pk)
    try:
        write(session=session, by=request.user)
        messages.success(request, done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    # Resumed from an item's page: back to that item.
    raw = request.POST.get("item", "")
    item = session.items.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
    if item is not None:
        return redirect("reviews:item", pk=session.pk, item_pk=item.pk)
    return redirect("reviews:session", pk=session.pk)


@require_POST
@permission_required(RUN, raise_exception=True)
def session_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(
        request, pk, session_runner.start_session, "The session is in progress: record outcomes."
    )


@require_POST
@permission_required(RUN, raise_exception=True)
def session_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(
        request, pk, session_runner.pause_session, "Paused. Everything recorded so far is kept."
    )


@require_http_methods(["GET", "POST"])
@permission_required(RUN, raise_exception=True)
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first, showing what is still unreviewed; POST closes."""
    session = _session(pk)
    if request.method == "GET":
        if session.status == SessionStatus.CLOSED:
            messages.info(request, "This session is closed already.")
            return redirect("reviews:summary", pk=session.pk)
        unreviewed = carrying.left_unreviewed(session)
        listed = list(unreviewed[:CLOSE_LISTS])
        count = unreviewed.count()
        context = {
            "session": session,
            "unreviewed": listed,
            "unreviewed_count": count,
            "unreviewed_more": count - len(listed),
            "recipients": summary_recipients(session),
        }
        return render(request, "reviews/close.html", context)
    try:
        session_runner.close_session(session=session, by=request.user, on_closed=jobs.deliver_later)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The session is closed; its summary is on its way.")
    return redirect("reviews:summary", pk=session.pk)
