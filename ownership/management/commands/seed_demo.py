"""Load the demo store. Safe to run again: it converges on the same data and writes nothing new."""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from config.writes import stamp
from ownership import demo_data
from ownership.acting import acting_owner
from ownership.assignments import assign, owners_and_backups, unassign
from ownership.derived import derived_paused
from ownership.gap_facts import rebuild_gap_facts
from ownership.lookup.index import reindex_tasks
from ownership.models import Assignment, Person, Role, Team
from ownership.permissions import MANAGERS, MEMBERS, OPS_LEADS
from tasks_registry import due
from tasks_registry.changes import create_task, update_task
from tasks_registry.metrics import metric_named, record_value
from tasks_registry.models import (
    Campaign,
    Completion,
    MetricValue,
    Promise,
    PromiseLink,
    Stage,
    Task,
)
from tasks_registry.promises import confirm_updated, ensure_promises, update_promise

REASON = "demo data"
HANDED_OVER = "handed over (demo data)"


def upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]):
    """Create, or update only the fields that differ, so a re-run writes no history rows."""
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
    else:
        changed = [name for name, value in values.items() if getattr(instance, name) != value]
        if not changed:
            return instance
        for name in changed:
            setattr(instance, name, values[name])
    stamp(instance, by=None, reason=REASON)
    instance.save()
    return instance


class Command(BaseCommand):
    help = "Load (or refresh) the Fernhill Outdoor demo store and its demo sign-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        # The demo's past is written once, into an empty map: a re-run converges on the data.
        started, fresh = timezone.now(), not Task.objects.exists()
        with transaction.atomic():
            with derived_paused():  # every task is reindexed below, once
                teams = self._teams()
                people = self._people(teams)
                for team_name, key in demo_data.TEAM_LEADS.items():
                    upsert(Team, {"name": team_name}, {"lead": people[key]})
                self._campaigns(today)
                self._tasks(people, handing_over=fresh)
                # After the assignments: the departed were given their tasks while still here.
                self._presence(people, today)
                self._users(people)
                self._accounts(people)
                self._completions(today)
                self._metric_values(today)
                if fresh:
                    self._a_year_ago(started)
                self._promises(started if fresh else None)
            # Whatever wrote the database before (the owners' confirmations are backdated in
            # bulk), the demo's tasks answer lookups and show their gaps afterwards.
            rebuild_gap_facts()
            reindex_tasks(Task.objects.values_list("pk", flat=True))
        self._report()

    def _teams(self) -> dict[str, Team]:
        return {
            name: upsert(Team, {"name": name}, {"slug": slugify(name), "description": description})
            for name, description in demo_data.TEAMS
        }

    def _people(self, teams: dict[str, Team]) -> dict[str, Person]:
        people = {}
        for key, (name, team, title, handle, _presence) in demo_data.PEOPLE.items():
            email = f"{name.split()[0].lower()}.{name.split()[-1].lower()}@{demo_data.DOMAIN}"
            people[key] = upsert(
                Person,
                {"email": email},
                {
                    "name": name,
                    "team": teams[team],
                    "title": title,
                    "chat_handle": handle,
                },
            )
        return people

    def _presence(self, people: dict[str, Person], today: datetime.date) -> None:
        tz = timezone.get_current_timezone()
        for key, (*_, presence) in demo_data.PEOPLE.items():
            values: dict[str, Any] = {"away_until": None, "departed_on": None}
            state, _, days = presence.partition(":")
            day = today + datetime.timedelta(days=int(days or 0))
            if state == "away":
                values["away_until"] = day
            elif state == "departed":
                values["departed_on"] = day
            elif state == "moved":
                values["role_changed_at"] = datetime.datetime.combine(day, datetime.time(9), tz)
                # They took on what they own in their old role, well before the move.
                Assignment.objects.filter(
                    person=people[key], confirmed_at__gte=values["role_changed_at"]
                ).update(confirmed_at=values["role_changed_at"] - datetime.timedelta(days=90))
            upsert(Person, {"pk": people[key].pk}, values)

    def _campaigns(self, today: datetime.date) -> None:
        tz = timezone.get_current_timezone()
        for name, slug, kind, offset, length in demo_data.CAMPAIGNS:
            start_day = today + datetime.timedelta(days=offset)
            end_day = start_day + datetime.timedelta(days=length - 1)
            upsert(
                Campaign,
                {"slug": slug},
                {
                    "name": name,
                    "kind": kind,
                    "starts_at": datetime.datetime.combine(start_day, datetime.time(8), tz),
                    "ends_at": datetime.datetime.combine(end_day, datetime.time(23, 59), tz),
                },
            )

    def _tasks(self, people: dict[str, Person], *, handing_over: bool) -> None:
        """The tasks with their people. With `handing_over`, the tasks of HANDOVERS start with
        their earlier owner and are handed over to today's (dated by _a_year_ago)."""
        stages = {stage.slug: stage for stage in Stage.objects.all()}
        for spec in demo_data.TASKS:
            fields = {
                "description": spec["description"],
                "stage": stages[spec["stage"]],
                "criticality": spec["criticality"],
                "rhythm": spec["rhythm"],
                "definition_of_done": spec["definition_of_done"],
                "aliases": "\n".join(spec["aliases"]),
                "systems": "\n".join(spec["systems"]),
                "metric": metric_named(spec["metric"]),
            }
            task = Task.objects.filter(slug=slugify(spec["name"])).first()
            if task is None:
                task = create_task(name=spec["name"], by=None, reason=REASON, **fields)
            else:
                task = update_task(task=task, by=None, reason=REASON, **fields)
            before = demo_data.HANDOVERS.get(task.slug) if handing_over else None
            if before is None:
                self._assignments(task, spec["people"], people)
                continue
            self._assignments(task, spec["people"] | {"owner": before[0]}, people)
            owner = spec["people"].get("owner")
            if owner is None:
                unassign(
                    assignment=Assignment.objects.get(task=task, role=Role.OWNER),
                    by=None,
                    reason=HANDED_OVER,
                )
            else:
                assign(
                    task=task, person=people[owner], role=Role.OWNER, by=None, reason=HANDED_OVER
                )

    def _a_year_ago(self, started: datetime.datetime) -> None:
        """The map's history as a year of it: everything written so far dated a year ago, and
        each handover on its day, as if the store had kept its map since."""
        tz = timezone.get_current_timezone()
        today = timezone.localdate(started)
        year_ago = datetime.datetime.combine(
            today - datetime.timedelta(days=365), datetime.time(9), tz
        )
        for model in (Task, Assignment, Person, Team, Campaign):
            model.history.filter(history_date__gte=started).update(history_date=year_ago)
        for slug, (_, days_ago) in demo_data.HANDOVERS.items():
            day = today - datetime.timedelta(days=days_ago)
            Assignment.history.filter(task__slug=slug, history_change_reason=HANDED_OVER).update(
                history_date=datetime.datetime.combine(day, datetime.time(10), tz)
            )

    def _assignments(self, task: Task, spec: dict[str, Any], people: dict[str, Person]) -> None:
        wanted: set[tuple[int, str]] = set()
        for role_key, role in [
            ("owner", Role.OWNER),
            ("backup", Role.BACKUP),
            ("checker", Role.CHECKER),
        ]:
            if spec.get(role_key):
                wanted.add((people[spec[role_key]].pk, role))
        for role_key, role in [
            ("contributors", Role.CONTRIBUTOR),
            ("escalation", Role.ESCALATION),
            ("consulted", Role.CONSULTED),
            ("informed", Role.INFORMED),
        ]:
            wanted.update((people[key].pk, role) for key in spec.get(role_key, []))
        for assignment in list(Assignment.objects.filter(task=task)):
            if (assignment.person_id, assignment.role) not in wanted:
                unassign(assignment=assignment, by=None, reason=REASON)
        people_by_pk = {person.pk: person for person in people.values()}
        for person_pk, role in sorted(wanted, key=lambda item: item[1] != Role.OWNER):
            assign(task=task, person=people_by_pk[person_pk], role=role, by=None, reason=REASON)

    def _users(self, people: dict[str, Person]) -> None:
        User = get_user_model()
        for username, (person_key, group_name, is_superuser) in demo_data.DEMO_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username)
                user.set_password(demo_data.DEMO_PASSWORD)
            person = people.get(person_key) if person_key else None
            user.email = person.email if person else f"admin@{demo_data.DOMAIN}"
            user.first_name, _, user.last_name = (
                person.name if person else "Site Admin"
            ).partition(" ")
            user.is_staff = is_superuser or group_name in (OPS_LEADS, MANAGERS)
            user.is_superuser = is_superuser
            user.save()
            if group_name:
                user.groups.set([Group.objects.get(name=group_name)])
            if person and person.user_id != user.pk:
                Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
                upsert(Person, {"pk": person.pk}, {"user": user})

    def _accounts(self, people: dict[str, Person]) -> None:
        """Everyone on the demo map can sign in (with no password here): a confirmation is
        made by a person's account. Only the DEMO_USERS have passwords."""
        User = get_user_model()
        members = Group.objects.get(name=MEMBERS)
        for person in people.values():
            person.refresh_from_db(fields=["user"])
            if person.user_id:
                continue
            username = person.email.split("@")[0]
            user = User.objects.filter(username=username).first()
            if user is None:
                first, _, last = person.name.partition(" ")
                user = User(username=username, email=person.email, first_name=first, last_name=last)
                user.set_unusable_password()
                user.save()
                user.groups.add(members)
            upsert(Person, {"pk": person.pk}, {"user": user})

    def _metric_values(self, today: datetime.date) -> None:
        """Eight weeks of values for each metric the demo names, once."""
        by = get_user_model().objects.get(username="opslead")
        for name, values in demo_data.METRIC_VALUES.items():
            metric = metric_named(name)
            if metric is None or metric.values.exists():
                continue
            for weeks_ago, value in enumerate(reversed(values)):
                on = today - datetime.timedelta(days=1 + 7 * weeks_ago)
                record_value(
                    metric=metric, value=Decimal(value), on=on, by=by, via=MetricValue.Via.IMPORT
                )

    def _promises(self, started: datetime.datetime | None) -> None:
        """The store's promises, and the change it made to one a few weeks ago, re-checked
        by some of the places that repeat it: once. Made for a new demo (`started`), they date
        from a year ago, as its map does."""
        by = get_user_model().objects.get(username="opslead")
        ensure_promises(demo_data.PROMISES, by=by, reason=REASON)
        if started is not None:
            year_ago = timezone.now() - datetime.timedelta(days=365)
            for model in (Promise, PromiseLink):
                model.history.filter(history_date__gte=started).update(history_date=year_ago)
        for name, (days_ago, changes, rechecked) in demo_data.PROMISE_CHANGES.items():
            promise = Promise.objects.get(name=name)
            if promise.version > 1:
                continue
            changed = update_promise(promise=promise, by=by, reason=REASON, **changes)
            when = timezone.now() - datetime.timedelta(days=days_ago)
            # The demo's past: dated the day the store made the change, as its history says.
            Promise.objects.filter(pk=promise.pk).update(changed_at=when)
            latest = changed.history.latest().history_id
            changed.history.filter(history_id=latest).update(history_date=when)
            for place in changed.links.select_related("task").filter(task__name__in=rechecked):
                owner = Assignment.objects.get(task=place.task, role=Role.OWNER).person
                if owner.user is not None:
                    confirm_updated(link=place, by=owner.user, expected_version=changed.version)

    def _completions(self, today: datetime.date) -> None:
        """Rhythms counted from TRACKED_DAYS ago, and their past occurrences confirmed by
        whoever was acting on the day, but for the tasks whose people stopped confirming."""
        since = today - datetime.timedelta(days=demo_data.TRACKED_DAYS)
        Task.objects.exclude(rhythm="").update(rhythm_set_on=since)
        tasks = list(Task.objects.filter(is_active=True).exclude(rhythm=""))
        holders = owners_and_backups([task.pk for task in tasks])
        wanted: list[tuple[Task, datetime.date]] = []
        yesterday = today - datetime.timedelta(days=1)
        for occurrence in due.occurrences(tasks, start=since, end=yesterday, today=today):
            stopped = demo_data.STOPPED_CONFIRMING.get(occurrence.task.slug)
            if stopped and occurrence.due_on >= today - datetime.timedelta(days=stopped):
                continue
            if not occurrence.is_done:
                wanted.append((occurrence.task, occurrence.due_on))
        by_slug = {task.slug: task for task in tasks}
        for slug, days_ago in demo_data.AD_HOC_DONE.items():
            wanted.append((by_slug[slug], today - datetime.timedelta(days=days_ago)))
        done = set(Completion.objects.values_list("task_id", "due_on"))
        tz = timezone.get_current_timezone()
        new = []
        for task, day in wanted:
            acting = acting_owner(*holders.get(task.pk, (None, None)), day)
            if acting.person is None or acting.person.user_id is None or (task.pk, day) in done:
                continue
            new.append(
                Completion(
                    task=task,
                    due_on=day,
                    completed_at=datetime.datetime.combine(day, datetime.time(16), tz),
                    completed_by_id=acting.person.user_id,
                    definition_of_done=task.definition_of_done,
                )
            )
        # In bulk, so with no history rows: they are the demo's past, not anyone's edit.
        Completion.objects.bulk_create(new)
        due.refresh_next_due()

    def _report(self) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo store ready: {Team.objects.count()} teams, {Person.objects.count()} people, "
                f"{Task.objects.count()} tasks, {Campaign.objects.count()} campaigns."
            )
        )
        self.stdout.write(f"Sign in with (password for all: {demo_data.DEMO_PASSWORD}):")
        for username, (person_key, group_name, _) in demo_data.DEMO_USERS.items():
            who = demo_data.PEOPLE[person_key][0] if person_key else "superuser"
            self.stdout.write(f"  {username:<8}  {group_name or 'Admin'} — {who}")
