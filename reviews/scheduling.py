"""What is due, made to exist: review sessions with their items, and the notices about them.

`sweep(now)` is the one entry point (Celery beat's job every few minutes, `manage.py sweep`).
Everything it makes has a unique key in the database — a quarter, a campaign, a notice's key —
so a sweep run twice, late, or from two processes at once makes each thing once, and a sweep
after days of silence makes what those days should have made. Each session is made with its
items in one transaction: a failure half-way leaves nothing, and the next try makes it whole.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from config.writes import stamp
from ownership import escalation
from ownership.assignments import owners_and_backups
from ownership.gap_rules import OVERDUE, RULES, UNATTESTED, GapReport, gap_report
from ownership.models import Assignment, Attestation, Person, Reach, Role
from ownership.permissions import EDIT_MAP
from reviews import carrying, pre_review
from reviews.models import (
    GapBaseline,
    ItemReason,
    Notice,
    NoticeKind,
    Outcome,
    ReviewItem,
    ReviewKind,
    ReviewSession,
    SessionStatus,
)
from reviews.permissions import RUN
from tasks_registry import due, rhythms
from tasks_registry.models import Campaign, Criticality, Task
from tasks_registry.rhythms import CampaignRhythm, business_days

log = logging.getLogger(__name__)

_BATCH = 1000


def _not_gained() -> set[str]:
    """Gaps that come with time alone, not from something that happened during a campaign."""
    return {rule.code for rule in RULES if rule.comes_with_time}


@dataclass
class Created:
    """What one sweep made."""

    sessions: list[ReviewSession] = field(default_factory=list)
    items: int = 0
    notices: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "created": {
                "sessions": [
                    {
                        "id": session.pk,
                        "kind": session.kind,
                        "title": str(session),
                        "scheduled_for": session.scheduled_for.isoformat(),
                        "items": session.item_count,
                    }
                    for session in self.sessions
                ],
                "items": self.items,
                "reminders": len(self.notices),
            }
        }


# --- When ----------------------------------------------------------------------------------


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def period_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def quarter_starts(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, 3 * quarter - 2, 1)


def quarterly_review_day(year: int, quarter: int) -> datetime.date:
    """The configured weekday of the quarter's first (or second) week, moved to the next
    business day if it is a holiday."""
    first = quarter_starts(year, quarter)
    ahead = (settings.OWNERMAP_REVIEW_WEEKDAY - first.weekday()) % 7
    day = first + datetime.timedelta(days=ahead + 7 * (settings.OWNERMAP_REVIEW_WEEK - 1))
    return business_days.on_or_after(day)


def post_campaign_review_day(campaign: Campaign) -> datetime.date:
    ends_on = timezone.localdate(campaign.ends_at)
    return business_days.shift(ends_on, settings.OWNERMAP_POST_CAMPAIGN_REVIEW_DAYS)


def _not_before(day: datetime.date, today: datetime.date) -> datetime.date:
    """A session made late (the sweep was down, or the app is new) is held on the next
    business day rather than on a day already gone."""
    return day if day >= today else business_days.on_or_after(today)


# --- Who -----------------------------------------------------------------------------------


def _people_with(permission: str, today: datetime.date):
    """The people still here whose account has the permission ("app_label.codename"), through
    a group or directly."""
    app_label, codename = permission.split(".")
    still_here = Q(departed_on__isnull=True) | Q(departed_on__gt=today)
    return (
        Person.objects.filter(still_here, user__is_active=True)
        .filter(
            Q(
                user__groups__permissions__codename=codename,
                user__groups__permissions__content_type__app_label=app_label,
            )
            | Q(
                user__user_permissions__codename=codename,
                user__user_permissions__content_type__app_label=app_label,
            )
        )
        .distinct()
        .order_by(Lower("name"), "pk")
    )


def facilitator(today: datetime.date) -> Person | None:
    """The configured manager (an email or a username), else the first manager on the map."""
    chosen = settings.OWNERMAP_REVIEW_FACILITATOR
    if chosen:
        person = Person.objects.filter(
            Q(email__iexact=chosen) | Q(user__username__iexact=chosen)
        ).first()
        if person is not None:
            return person
        log.warning("OWNERMAP_REVIEW_FACILITATOR=%r matches nobody on the map", chosen)
    return _people_with(RUN, today).first()


def _participants(today: datetime.date) -> list[Person]:
    """The people who run and edit the map: managers and ops leads."""
    managers = list(_people_with(RUN, today))
    leads = list(_people_with(EDIT_MAP, today))
    return list({person.pk: person for person in managers + leads}.values())


# --- What ----------------------------------------------------------------------------------


def map_figures(report: GapReport) -> dict:
    """The coverage figure and the gap counts, as a session keeps them for the trend."""
    return {
        "coverage": report.coverage.percent,
        "covered": report.coverage.covered,
        "measured": report.coverage.total,
        "tasks": report.task_count,
        "flagged": len(report.gaps_of),
        "counts": report.counts_by_code(),
    }


# Past this many tasks, a session's are picked out of the whole map's order rather than named
# in the statement: PostgreSQL takes at most 65,535 values in one (a campaign at a 100,000-task
# retailer can touch more tasks than that).
RANKED_BY_NAME_MAX = 10_000


def _ranked(task_ids=None) -> list[int]:
    """Active tasks, critical first, then by stage along the customer journey, then by name."""
    rank = Case(
        When(criticality=Criticality.CRITICAL, then=Value(0)),
        When(criticality=Criticality.HIGH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    ordered = (
        Task.objects.filter(is_active=True)
        .annotate(rank=rank)
        .order_by("rank", "stage__order", Lower("name"), "pk")
        .values_list("pk", flat=True)
    )
    if task_ids is None:
        return list(ordered)
    wanted = set(task_ids)
    if len(wanted) > RANKED_BY_NAME_MAX:
        return [pk for pk in ordered if pk in wanted]
    return list(ordered.filter(pk__in=wanted))


def people_snapshot(owner: Person | None, backup: Person | None) -> dict[str, str]:
    """A task's people by name, as an item records them when it is made."""
    return {"owner": owner.name if owner else "", "backup": backup.name if backup else ""}


def _with_carried(kind: str, items: list[tuple[int, str]]) -> tuple[list, dict[int, int]]:
    """The items, with what earlier sessions of `kind` left unreviewed first (carrying.py)."""
    carried = carrying.waiting(kind)
    first = [(pk, ItemReason.CARRIED) for pk in _ranked(carried)]
    return first + [(pk, reason) for pk, reason in items if pk not in carried], carried


def _add_items(
    session: ReviewSession,
    items: list[tuple[int, str]],
    *,
    carried: dict[int, int],
    report: GapReport,
    now: datetime.datetime,
    by=None,
    reason: str | None = None,
) -> None:
    """The session's items, in this order, each with its task's gaps and people now, written
    in bulk with their history."""
    gaps_of = report.gaps_of
    people_of = owners_and_backups(task_id for task_id, _ in items)
    bulk_create_with_history(
        [
            ReviewItem(
                session=session,
                task_id=task_id,
                position=position,
                reason=why,
                gaps_snapshot=[rule.code for rule in gaps_of.get(task_id, ())],
                people_snapshot=people_snapshot(*people_of.get(task_id, (None, None))),
                carried_from_id=carried.get(task_id),
            )
            for position, (task_id, why) in enumerate(items, start=1)
        ],
        ReviewItem,
        batch_size=_BATCH,
        default_user=by,
        default_change_reason=reason or (None if by else "made by the review schedule"),
        default_date=now,
    )


def _make_session(
    *,
    now: datetime.datetime,
    report: GapReport,
    items: list[tuple[int, str]],
    carried: dict[int, int] | None = None,
    by=None,
    **fields,
) -> ReviewSession | None:
    """The session, its participants and its items, all or nothing; None if another sweep made
    it first (the unique constraint decides, as it does for an item carried twice).
    `carried` maps a task to the earlier session's unreviewed item that its item takes over."""
    carried = carried or {}
    today = timezone.localdate(now)
    try:
        with transaction.atomic():
            session = ReviewSession(
                facilitator=facilitator(today), map_before=map_figures(report), **fields
            )
            stamp(session, by=by, reason=None if by else "made by the review schedule")
            session.save()
            people = _participants(today)
            if session.facilitator is not None:
                people.append(session.facilitator)
            session.participants.set({person.pk for person in people})
            _add_items(session, items, carried=carried, report=report, now=now, by=by)
            # Each owner asked once to pre-review their tasks in it (pre_review.py).
            session.notice_ids = record_notices(pre_review.asks(session))
    except IntegrityError:
        log.info("%s was made by another sweep meanwhile", fields)
        return None
    session.item_count = len(items)
    return session


def make_quarterly_session(now: datetime.datetime) -> ReviewSession | None:
    """This quarter's review, if it does not exist yet: every active task."""
    today = timezone.localdate(now)
    year, quarter = quarter_of(today)
    period = period_label(year, quarter)
    if ReviewSession.objects.filter(kind=ReviewKind.QUARTERLY, period=period).exists():
        return None
    report = gap_report(on=today)
    items, carried = _with_carried(
        ReviewKind.QUARTERLY, [(pk, ItemReason.QUARTERLY) for pk in _ranked()]
    )
    return _make_session(
        now=now,
        report=report,
        items=items,
        carried=carried,
        kind=ReviewKind.QUARTERLY,
        period=period,
        scheduled_for=_not_before(quarterly_review_day(year, quarter), today),
    )


def _fell_due(campaign: Campaign) -> set[int]:
    """Tasks whose due dates this campaign set, and tasks whose earliest occurrence not done
    fell during it (missed while the campaign ran)."""
    dates = due.dates_of(campaign)
    found = set()
    for task in due.campaign_tasks():
        rhythm = rhythms.stored(task.rhythm)
        if isinstance(rhythm, CampaignRhythm) and rhythms.due_dates(
            rhythm, start=datetime.date.min, end=datetime.date.max, campaigns=[dates]
        ):
            found.add(task.pk)
    missed = Task.objects.filter(
        is_active=True, next_due_on__gte=dates.starts_on, next_due_on__lte=dates.ends_on
    )
    found.update(missed.values_list("pk", flat=True))
    return found


def _gained_a_gap(campaign: Campaign, report: GapReport) -> set[int]:
    """Tasks with a gap now that they did not have when the campaign started. Without a
    baseline (no sweep ran while the campaign did), the flagged tasks changed during it."""
    baseline = GapBaseline.objects.filter(campaign=campaign).first()
    if baseline is not None:
        before = {int(pk): set(codes) for pk, codes in baseline.gaps.items()}
        not_gained = _not_gained()
        return {
            pk
            for pk, rules in report.gaps_of.items()
            if {rule.code for rule in rules} - before.get(pk, set()) - not_gained
        }
    during = {"history_date__gte": campaign.starts_at, "history_date__lte": campaign.ends_at}
    changed = set(Task.history.filter(**during).values_list("id", flat=True))
    changed |= set(Assignment.history.filter(**during).values_list("task_id", flat=True))
    not_gained = _not_gained()
    return {
        pk
        for pk in changed
        if pk in report.gaps_of and {rule.code for rule in report.gaps_of[pk]} - not_gained
    }


def _post_campaign_items(campaign: Campaign, report: GapReport) -> tuple[list, dict[int, int]]:
    fell_due = _fell_due(campaign)
    gained = _gained_a_gap(campaign, report) - fell_due
    reasons = {pk: ItemReason.FELL_DUE for pk in fell_due}
    reasons.update({pk: ItemReason.GAINED_GAP for pk in gained})
    return _with_carried(ReviewKind.POST_CAMPAIGN, [(pk, reasons[pk]) for pk in _ranked(reasons)])


def _first_seen_late(campaign: Campaign) -> bool:
    horizon = datetime.timedelta(days=settings.OWNERMAP_POST_CAMPAIGN_REVIEW_HORIZON_DAYS)
    return campaign.created_at > campaign.ends_at + horizon


def make_post_campaign_session(campaign: Campaign, now: datetime.datetime) -> ReviewSession | None:
    today = timezone.localdate(now)
    report = gap_report(on=today)
    items, carried = _post_campaign_items(campaign, report)
    return _make_session(
        now=now,
        report=report,
        items=items,
        carried=carried,
        kind=ReviewKind.POST_CAMPAIGN,
        campaign=campaign,
        late=_first_seen_late(campaign),
        scheduled_for=_not_before(post_campaign_review_day(campaign), today),
    )


DATES_CHANGED = "the campaign's dates changed"


def follow_campaign(campaign: Campaign, *, by=None, now: datetime.datetime | None = None) -> None:
    """The campaign's dates changed: its review follows while it has not started. Still to
    come, it moves to its new day with its items made again; if the campaign now ends later
    than today, it is taken off until then (the sweep makes it when the campaign ends). A
    review under way, or done, keeps its items and says that the dates changed."""
    now = now or timezone.now()
    session = (
        ReviewSession.objects.select_for_update()
        .filter(kind=ReviewKind.POST_CAMPAIGN, campaign=campaign)
        .first()
    )
    if session is None:
        return
    if (
        session.status != SessionStatus.SCHEDULED
        or session.items.exclude(outcome=Outcome.PENDING).exists()
    ):
        session.campaign_changed_at = now
        stamp(session, by=by, reason=DATES_CHANGED)
        session.save(update_fields=["campaign_changed_at"])
        return
    if campaign.ends_at > now:
        stamp(session, by=by, reason=f"{DATES_CHANGED}: made again when it ends")
        session.delete()
        return
    today = timezone.localdate(now)
    report = gap_report(on=today)
    items, carried = _post_campaign_items(campaign, report)
    session.items.all().delete()
    _add_items(session, items, carried=carried, report=report, now=now, by=by, reason=DATES_CHANGED)
    session.scheduled_for = _not_before(post_campaign_review_day(campaign), today)
    session.map_before = map_figures(report)
    stamp(session, by=by, reason=DATES_CHANGED)
    session.save(update_fields=["scheduled_for", "map_before"])


def make_follow_up_session(
    follows: ReviewSession,
    *,
    on: datetime.date,
    carried: dict[int, int],
    by,
    now: datetime.datetime,
) -> ReviewSession | None:
    """A follow-up to `follows` on `on`, taking over the unreviewed items in `carried`."""
    today = timezone.localdate(now)
    return _make_session(
        now=now,
        report=gap_report(on=today),
        items=[(pk, ItemReason.CARRIED) for pk in _ranked(carried)],
        carried=carried,
        by=by,
        kind=ReviewKind.FOLLOW_UP,
        follows=follows,
        scheduled_for=on,
    )


def campaigns_to_review(now: datetime.datetime):
    """Ended campaigns without their review: those that ended within the horizon, and those
    first seen after it (their review is marked late). A campaign known in time whose review
    the schedule missed for longer than the horizon stays without one."""
    horizon = datetime.timedelta(days=settings.OWNERMAP_POST_CAMPAIGN_REVIEW_HORIZON_DAYS)
    return (
        Campaign.objects.filter(ends_at__lte=now)
        .filter(Q(ends_at__gte=now - horizon) | Q(created_at__gt=F("ends_at") + horizon))
        .exclude(review_sessions__kind=ReviewKind.POST_CAMPAIGN)
        .order_by("ends_at", "pk")
    )


def take_baselines(now: datetime.datetime) -> int:
    """Record every task's gaps for each running campaign that has no baseline yet."""
    running = Campaign.objects.filter(starts_at__lte=now, ends_at__gt=now, baseline__isnull=True)
    running = list(running)
    if not running:
        return 0
    report = gap_report(on=timezone.localdate(now))
    gaps = {str(pk): [rule.code for rule in rules] for pk, rules in report.gaps_of.items()}
    taken = 0
    for campaign in running:
        try:
            with transaction.atomic():
                GapBaseline.objects.create(campaign=campaign, taken_at=now, gaps=gaps)
            taken += 1
        except IntegrityError:
            pass  # another sweep took it
    return taken


# --- Notices -------------------------------------------------------------------------------


def record_notices(wanted: dict[str, dict]) -> list[int]:
    """Make the notices whose keys do not exist yet; the ids of those made."""
    if not wanted:
        return []
    keys = list(wanted)
    existing = set()
    for start in range(0, len(keys), 900):
        existing.update(
            Notice.objects.filter(key__in=keys[start : start + 900]).values_list("key", flat=True)
        )
    missing = [key for key in keys if key not in existing]
    if not missing:
        return []
    # ignore_conflicts: a concurrent sweep may have made some of them since the read above.
    Notice.objects.bulk_create(
        [Notice(key=key, **wanted[key]) for key in missing],
        batch_size=_BATCH,
        ignore_conflicts=True,
    )
    made = []
    for start in range(0, len(missing), 900):
        made.extend(
            Notice.objects.filter(key__in=missing[start : start + 900]).values_list("pk", flat=True)
        )
    return made


def session_reminders(today: datetime.date) -> list[int]:
    """To the facilitator and participants of each session coming up within the reminder
    window (or due today and not closed): one each, ever."""
    until = today + datetime.timedelta(days=settings.OWNERMAP_REVIEW_REMINDER_DAYS)
    sessions = ReviewSession.objects.filter(
        scheduled_for__gte=today, scheduled_for__lte=until
    ).exclude(status=SessionStatus.CLOSED)
    wanted = {}
    for session in sessions.prefetch_related("participants"):
        people = {person.pk for person in session.participants.all()}
        if session.facilitator_id:
            people.add(session.facilitator_id)
        for person_id in sorted(people):
            wanted[f"session:{session.pk}:person:{person_id}"] = {
                "kind": NoticeKind.SESSION,
                "person_id": person_id,
                "session": session,
            }
    return record_notices(wanted)


def escalations(report: GapReport) -> list[int]:
    """The next step of each overdue occurrence's escalation that is due (ownership/
    escalation.py), each with its notice to the person it reaches: the step and its notice in
    one transaction, made once by their keys however many sweeps run at once. One notice per
    step, however many occurrences are missed: it says how many."""
    overdue = report.by_rule[OVERDUE]
    made = []
    for start in range(0, len(overdue), 900):
        for chain in escalation.chains(overdue[start : start + 900], report.on):
            step = chain.due_step(report.on)
            if step is None or step.person is None:
                continue
            key = f"escalation:task:{chain.task_id}:{chain.due_on.isoformat()}:step:{step.number}"
            try:
                with transaction.atomic():
                    reached = escalation.reach(chain, step, report.on)
                    notice = Notice.objects.create(
                        key=key,
                        kind=NoticeKind.OVERDUE if step.number == 1 else NoticeKind.ESCALATION,
                        person_id=step.person.pk,
                        task_id=chain.task_id,
                        due_on=chain.due_on,
                        step=reached,
                    )
            except IntegrityError:
                log.info("step %s was made by another sweep meanwhile", key)
                continue
            made.append(notice.pk)
    return made


def attestation_asks(report: GapReport) -> list[int]:
    """Each owner with tasks past their attestation period (the unattested rule), asked in one
    notice for all of them, once a period: the key holds the day the oldest of those periods
    ran out, which their attesting moves on."""
    unattested = report.by_rule[UNATTESTED]
    oldest: dict[int, datetime.date] = {}
    for start in range(0, len(unattested), 1000):
        for row in report.rows(unattested[start : start + 1000]):
            if row.owner is None or row.attest_by is None:
                continue
            pk = row.owner.pk
            oldest[pk] = min(oldest.get(pk, row.attest_by), row.attest_by)
    return record_notices(
        {
            f"attest:person:{pk}:{day.isoformat()}": {
                "kind": NoticeKind.ATTEST,
                "person_id": pk,
                "due_on": day,
            }
            for pk, day in oldest.items()
        }
    )


def attestation_problems(now: datetime.datetime) -> list[int]:
    """An owner's "something is wrong" to each ops lead, once: from the last week, so a sweep
    that was down for a few days still passes it on."""
    today = timezone.localdate(now)
    since = now - datetime.timedelta(days=7)
    problems = list(
        Attestation.objects.filter(is_right=False, attested_at__gte=since).values_list(
            "pk", "task_id"
        )
    )
    if not problems:
        return []
    leads = list(_people_with(EDIT_MAP, today).values_list("pk", flat=True))
    return record_notices(
        {
            f"attest-problem:{pk}:person:{lead}": {
                "kind": NoticeKind.ATTEST_PROBLEM,
                "person_id": lead,
                "task_id": task_id,
                "attestation_id": pk,
            }
            for pk, task_id in problems
            for lead in leads
        }
    )


def weekly_digests(now: datetime.datetime) -> list[int]:
    """One digest a week to each person who owns or backs up a task due within the week (or
    overdue); the ISO week is in the key. Made from OWNERMAP_DIGEST_HOUR on Monday, or later
    in the week if no sweep ran then."""
    local = timezone.localtime(now)
    if local.weekday() == 0 and local.hour < settings.OWNERMAP_DIGEST_HOUR:
        return []
    today = local.date()
    year, week, _ = today.isocalendar()
    soon = today + datetime.timedelta(days=7)
    # With something due; and anyone who chose the digest only and owns a task, since their
    # digest also asks them to attest (reviews/notify.py).
    people = (
        Assignment.objects.filter(role__in=(Role.OWNER, Role.BACKUP), task__is_active=True)
        .filter(Q(task__next_due_on__lte=soon) | Q(role=Role.OWNER, person__reach=Reach.DIGEST))
        .filter(Q(person__departed_on__isnull=True) | Q(person__departed_on__gt=today))
        .values_list("person_id", flat=True)
        .distinct()
    )
    wanted = {
        f"digest:{year}-W{week:02d}:person:{person_id}": {
            "kind": NoticeKind.DIGEST,
            "person_id": person_id,
            "due_on": today,
        }
        for person_id in people
    }
    return record_notices(wanted)


def summary_notices(session: ReviewSession, people: list[Person]) -> list[int]:
    return record_notices(
        {
            f"summary:{session.pk}:person:{person_id}": {
                "kind": NoticeKind.SUMMARY,
                "person_id": person_id,
                "session": session,
            }
            for person_id in sorted(person.pk for person in people)
        }
    )


# --- The sweep -----------------------------------------------------------------------------


def sweep(now: datetime.datetime | None = None) -> Created:
    """Make what is due at `now` exist; safe to run at any time, any number of times."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    created = Created()
    take_baselines(now)
    made = [make_quarterly_session(now)]
    made += [make_post_campaign_session(campaign, now) for campaign in campaigns_to_review(now)]
    for session in made:
        if session is not None:
            created.sessions.append(session)
            created.items += session.item_count
            created.notices += session.notice_ids
    created.notices += session_reminders(today)
    report = gap_report(on=today)
    created.notices += escalations(report)
    created.notices += attestation_asks(report)
    created.notices += attestation_problems(now)
    created.notices += weekly_digests(now)
    return created
