"""Private iCalendar feeds of due dates, per person and per team, that Google Calendar and
Outlook subscribe to. A feed is reached by its secret address alone (calendar apps cannot sign
in), so only a hash of the secret is kept, and revoking it ends it at once."""

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event

from config.secret_tokens import SecretKind, note_use
from ownership.acting import acting_owner
from ownership.assignments import owners_and_backups
from ownership.map_version import map_version
from ownership.models import Assignment, CalendarFeed, Person, Role, Team
from ownership.permissions import VIEW_MAP
from tasks_registry import due
from tasks_registry.models import Task

FEED_SECRETS = SecretKind(prefix="cal_", max_length=100)
# Calendar apps poll every few hours: a quarter of an hour is close enough for "last fetched".
_TOUCH_EVERY = datetime.timedelta(minutes=15)
# What a subscribed calendar shows: recent weeks (to see what was missed) and the year ahead.
PAST = datetime.timedelta(days=60)
AHEAD = datetime.timedelta(days=366)
# Calendar apps handle a few hundred events a feed well; tens of thousands time out.
MAX_EVENTS = 400


def issue_feed(*, user: AbstractBaseUser, team: Team | None = None) -> tuple[CalendarFeed, str]:
    """A new feed of the user's own tasks, or of a team's; returns it and its secret, which is
    never stored or shown again."""
    person = None
    if team is None:
        person = Person.objects.filter(user=user).first()
        if person is None:
            raise ValidationError(
                "Your sign-in is not linked to a person on the map, so you have no tasks of "
                "your own yet: ask an ops lead to link it, or subscribe to a team.",
                code="no_person",
            )
    token, shown, token_hash = FEED_SECRETS.issue()
    feed = CalendarFeed.objects.create(
        user=user,
        person=person,
        team=team,
        prefix=shown,
        ends_with=token[-6:],
        token_hash=token_hash,
    )
    return feed, token


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed a secret opens, or None for an unknown or revoked one, or one whose
    maker can no longer sign in or read the map: a feed serves no more than its maker may
    see now."""
    token_hash = FEED_SECRETS.hash_of(token)
    if token_hash is None:
        return None
    feed = (
        CalendarFeed.objects.select_related("person", "team", "user")
        .filter(token_hash=token_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if feed is None or not feed.user.has_perm(VIEW_MAP):
        return None
    note_use(feed, "last_fetched_at", every=_TOUCH_EVERY)
    return feed


def revoke_feed(*, feed: CalendarFeed) -> None:
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])


def feed_tasks(feed: CalendarFeed) -> list[Task]:
    """A person's feed: what they own or back up. A team's: what its people own or back up."""
    held = Q(role__in=(Role.OWNER, Role.BACKUP), task__is_active=True)
    held &= Q(person=feed.person) if feed.person_id else Q(person__team=feed.team)
    task_ids = Assignment.objects.filter(held).values("task_id")
    return list(Task.objects.filter(pk__in=task_ids).select_related("stage"))


def cached_calendar(feed: CalendarFeed, *, base_url: str) -> bytes:
    """The feed's text, built once per change of the map and per day, for every calendar app
    that polls it meanwhile (they poll every few minutes to hours)."""
    today = timezone.localdate()
    key = f"calendar-feed:{feed.pk}:{today.isoformat()}:{map_version()}:{base_url}"
    body = cache.get(key)
    if body is None:
        body = calendar(feed, base_url=base_url, today=today)
        cache.set(key, body, timeout=24 * 3600)
    return body


def _nearest(found: list, today: datetime.date) -> list:
    """At most MAX_EVENTS occurrences, the ones nearest today, in date order: a person with a
    hundred daily tasks would otherwise get tens of thousands of events in one file."""
    if len(found) <= MAX_EVENTS:
        return found
    nearest = sorted(found, key=lambda o: (abs((o.due_on - today).days), o.due_on < today))
    return sorted(nearest[:MAX_EVENTS], key=lambda o: (o.due_on, o.task.name.lower()))


def calendar(feed: CalendarFeed, *, base_url: str, today: datetime.date | None = None) -> bytes:
    """The feed as RFC 5545 text: one all-day event per due occurrence (the MAX_EVENTS nearest
    today), with a UID that stays the same for that task and day, so calendar apps update
    events instead of duplicating."""
    today = today or timezone.localdate()
    tasks = feed_tasks(feed)
    people = owners_and_backups([task.pk for task in tasks])
    found = due.occurrences(tasks, start=today - PAST, end=today + AHEAD, today=today)
    found = _nearest(found, today)
    ical = Calendar()
    ical.add("prodid", "-//Ownermap//Due dates//EN")
    ical.add("version", "2.0")
    ical.add("calscale", "GREGORIAN")
    ical.add("method", "PUBLISH")
    ical.add("x-wr-calname", f"Ownermap: {feed.subject}")
    ical.add("x-wr-timezone", timezone.get_current_timezone_name())
    stamp = timezone.now()
    host = base_url.split("://", 1)[-1].split("/", 1)[0]
    for occurrence in found:
        task = occurrence.task
        owner, backup = people.get(task.pk, (None, None))
        acting = acting_owner(owner, backup, today)
        event = Event()
        event.add("uid", f"task-{task.pk}-{occurrence.due_on:%Y%m%d}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", occurrence.due_on)
        event.add("dtend", occurrence.due_on + datetime.timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # a due date, not a meeting: it blocks no time
        closed = occurrence.completion
        said = "" if closed is None else "Skipped: " if closed.is_skip else "Done: "
        event.add("summary", f"{said}{task.name}")
        url = base_url.rstrip("/") + task.get_absolute_url()
        event.add("url", url)
        event.add("description", _description(occurrence, acting, backup, url))
        event.add("categories", [task.stage.name])
        ical.add_component(event)
    return ical.to_ical()


def _description(occurrence, acting, backup, url) -> str:
    task = occurrence.task
    lines = [
        f"Acting owner: {acting.person.name if acting.person else 'nobody'}",
        f"Backup: {backup.name if backup else 'none'}",
    ]
    if occurrence.campaigns:
        lines.append("Around: " + ", ".join(c.name for c in occurrence.campaigns))
    if occurrence.completion is not None:
        completion = occurrence.completion
        who = completion.completed_by
        name = who.get_full_name() or who.get_username()
        if completion.is_skip:
            lines.append(f"Skipped by {name}: {completion.skip_reason}")
        else:
            lines.append(f"Confirmed done by {name}")
    if task.definition_of_done:
        lines += ["", "Definition of done:", task.definition_of_done]
    lines += ["", url]
    return "\n".join(lines)
