"""The gap rules: what is wrong with the map, computed from its data, never typed in by hand.

Most severe first, as ../shared/PRODUCT.md lists them. Within each rule a task whose people come
from two or more teams ranks higher: each department assumes another is watching it.

The whole map's gaps take four queries, whatever its size: one pass over the active tasks with
the state of their owner and backup and a count of their helpers and teams, the tasks whose due
occurrence passed without a completion, each task's last confirmation in a review, and the owners
accountable for too many critical tasks. That pass reads only small numbers and the definition of
done (judged in Python, see vagueness.py): names, dates and the rest are read afterwards, in one
more query, for the rows someone will actually look at (GapReport.rows). At 10,000 tasks, reading
every task's full facts cost more than computing the gaps.
"""

import datetime
import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from config.db import prepared_cursor
from ownership.models import Assignment, Person, Role, Team
from ownership.vagueness import Vagueness, judge_definition_of_done
from tasks_registry.models import Completion, Criticality, Stage, Task


class Rule(models.TextChoices):
    # In order of severity: the dashboard, the command and each task's list follow this order.
    CONTRIBUTORS_NO_OWNER = "contributors_no_owner", "Contributors, no owner"
    NO_OWNER = "no_owner", "No owner"
    OWNER_DEPARTED = "owner_departed", "Owner departed or changed role"
    NO_BACKUP = "no_backup", "No backup"
    OVERDUE = "overdue", "Overdue"
    VAGUE_DONE = "vague_done", "Vague definition of done"
    NO_RHYTHM = "no_rhythm", "No deadline rhythm"
    OVERLOADED_OWNER = "overloaded_owner", "Overloaded owner"
    STALE = "stale", "Stale"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_SEVERITY = {rule: index for index, rule in enumerate(Rule)}
_MEANINGS = {
    Rule.CONTRIBUTORS_NO_OWNER: "People do or check the work, but nobody is accountable for it.",
    Rule.NO_OWNER: "Nobody at all is assigned.",
    Rule.OWNER_DEPARTED: "The owner has left, or changed team or title since taking it on.",
    Rule.NO_BACKUP: "Nobody can step in: no backup, or the backup is away or has left.",
    Rule.OVERDUE: "A due occurrence passed with no completion.",
    Rule.VAGUE_DONE: "The definition of done is missing or too thin for anyone to check.",
    Rule.NO_RHYTHM: "Nobody knows when it is due.",
    Rule.OVERLOADED_OWNER: "Its owner is accountable for more critical tasks than the set limit.",
    Rule.STALE: "Not confirmed in any review for more than a quarter.",
}

_CRITICALITY_RANK = {Criticality.CRITICAL: 0, Criticality.HIGH: 1, Criticality.NORMAL: 2}
# Roles of people who do or check the work: with any of them and no owner, the task has helpers
# but nobody accountable. Escalation, consulted and informed people do not do the work.
HELPER_ROLES = (Role.CONTRIBUTOR, Role.BACKUP, Role.CHECKER)
# Review outcomes that confirm a task as it stands (or as just fixed). Strings, not the reviews
# app's choices: ownership must not import reviews (ARCHITECTURE.md).
REVIEW_CONFIRMATIONS = ("confirmed", "changed")

# The owner's and the backup's state, as the rules query computes it.
_NOBODY, _PRESENT, _DEPARTED, _MOVED_OR_AWAY = 0, 1, 2, 3


class PersonFacts(NamedTuple):
    pk: int
    name: str
    email: str
    departed_on: datetime.date | None
    away_until: datetime.date | None

    def has_departed(self, on: datetime.date) -> bool:
        return self.departed_on is not None and self.departed_on <= on

    def is_away(self, on: datetime.date) -> bool:
        return self.away_until is not None and self.away_until >= on

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(slots=True)
class TaskGaps:
    """One task's gaps, with the facts to show them in words."""

    pk: int
    name: str
    slug: str
    stage_name: str
    criticality: str
    rhythm: str
    definition_of_done: str
    version: int
    created_at: datetime.datetime
    owner: PersonFacts | None
    owner_role_changed_at: datetime.datetime | None
    backup: PersonFacts | None
    helpers: int
    cross_team: bool
    gaps: list[Rule]
    report: "GapReport" = field(repr=False)

    @property
    def codes(self) -> list[str]:
        return [rule.value for rule in self.gaps]

    @property
    def gap_list(self) -> list[tuple[Rule, str]]:
        return [(rule, self.detail(rule)) for rule in self.gaps]

    def get_absolute_url(self) -> str:
        return reverse("ownership:task_detail", kwargs={"slug": self.slug})

    def get_criticality_display(self) -> str:
        return Criticality(self.criticality).label

    @property
    def vagueness(self) -> Vagueness | None:
        return judge_definition_of_done(self.definition_of_done)

    def detail(self, rule: Rule) -> str:
        """The gap in words, for this task."""
        owner, backup, on = self.owner, self.backup, self.report.on
        if rule == Rule.CONTRIBUTORS_NO_OWNER:
            people = "person helps" if self.helpers == 1 else "people help"
            return f"{self.helpers} {people}; nobody is accountable."
        if rule == Rule.NO_OWNER:
            return "Nobody is assigned to it at all."
        if rule == Rule.OWNER_DEPARTED and owner.has_departed(on):
            return f"{owner.name} left on {_day(owner.departed_on)}."
        if rule == Rule.OWNER_DEPARTED:
            changed = timezone.localdate(self.owner_role_changed_at)
            return (
                f"{owner.name} changed role on {_day(changed)}, after becoming owner: "
                "confirm them or hand it over."
            )
        if rule == Rule.NO_BACKUP and backup is None:
            return "Nobody can step in when the owner is away."
        if rule == Rule.NO_BACKUP and backup.has_departed(on):
            return f"The backup, {backup.name}, left on {_day(backup.departed_on)}."
        if rule == Rule.NO_BACKUP:
            return f"The backup, {backup.name}, is away until {_day(backup.away_until)}."
        if rule == Rule.OVERDUE:
            return f"Due on {_day(self.report.overdue[self.pk])}; not confirmed done."
        if rule == Rule.VAGUE_DONE:
            return self.vagueness.explanation
        if rule == Rule.NO_RHYTHM:
            return "No deadline rhythm: nobody knows when it is due."
        if rule == Rule.OVERLOADED_OWNER:
            return (
                f"{owner.name} is accountable for {self.report.owner_load[owner.pk]} critical "
                f"tasks (the limit is {settings.OWNERMAP_MAX_CRITICAL_TASKS})."
            )
        last = self.report.last_confirmed.get(self.pk)
        if last is None:
            added = timezone.localdate(self.created_at)
            return f"Never confirmed in a review since it was added on {_day(added)}."
        return f"Last confirmed in a review on {_day(timezone.localdate(last))}."


@dataclass(frozen=True)
class Coverage:
    """Share of critical and high tasks with an owner still here, a backup who can step in, a
    checkable definition of done and a rhythm."""

    covered: int
    total: int

    @property
    def percent(self) -> int | None:
        return None if self.total == 0 else round(100 * self.covered / self.total)


@dataclass(frozen=True)
class GapReport:
    """Which tasks have which gaps. Tasks are ids here, ranked within each rule; rows() reads
    the facts to show for the ones someone looks at."""

    on: datetime.date
    task_count: int
    by_rule: dict[Rule, list[int]]
    gaps_of: dict[int, list[Rule]]
    coverage: Coverage
    overdue: dict[int, datetime.date]
    last_confirmed: dict[int, datetime.datetime]
    owner_load: Counter

    @property
    def counts(self) -> dict[Rule, int]:
        return {rule: len(pks) for rule, pks in self.by_rule.items()}

    @property
    def flagged(self) -> list[int]:
        """Tasks with at least one gap, by their most severe one, then as ranked within it."""
        seen: dict[int, None] = {}
        for pks in self.by_rule.values():
            seen.update(dict.fromkeys(pks))
        return list(seen)

    def rows(self, pks: list[int]) -> list[TaskGaps]:
        """The facts to show these tasks and their gaps, in the order given: one query per
        thousand tasks (one, on any page)."""
        found: dict[int, TaskGaps] = {}
        for start in range(0, len(pks), 1000):
            found.update(_details(pks[start : start + 1000], self))
        return [found[pk] for pk in pks if pk in found]


def _date(value: datetime.date | str | None) -> datetime.date | None:
    # SQLite may return a date read by raw SQL as ISO text.
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _datetime(value: datetime.datetime | str | None) -> datetime.datetime | None:
    # SQLite returns a naive datetime (or text) in UTC, as Django stores it there.
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


def _tables() -> dict[str, str]:
    return {
        "task": Task._meta.db_table,
        "stage": Stage._meta.db_table,
        "assignment": Assignment._meta.db_table,
        "person": Person._meta.db_table,
        "owner": Role.OWNER.value,
        "backup": Role.BACKUP.value,
    }


@functools.cache
def _rules_sql() -> str:
    helpers = ", ".join(f"'{role}'" for role in HELPER_ROLES)
    ranks = " ".join(f"WHEN '{c}' THEN {rank}" for c, rank in _CRITICALITY_RANK.items())
    # The owner and the backup are one row each (the database guarantees it), so they join
    # without grouping; only helpers and teams are counted, in one pass over assignments. Two
    # teams or more is MIN <> MAX: a hash aggregate, twice as fast as COUNT(DISTINCT).
    # Parameters: the day the rules are judged on (three times), and the stale cut-off.
    return """
        SELECT t.id, t.definition_of_done, CASE t.criticality {ranks} ELSE 3 END,
               CASE WHEN TRIM(t.rhythm) = '' THEN 1 ELSE 0 END,
               CASE WHEN t.created_at < %s THEN 1 ELSE 0 END,
               o.person_id,
               CASE WHEN o.id IS NULL THEN 0 WHEN op.departed_on <= %s THEN 2
                    WHEN op.role_changed_at > o.confirmed_at THEN 3 ELSE 1 END,
               CASE WHEN b.id IS NULL THEN 0 WHEN bp.departed_on <= %s THEN 2
                    WHEN bp.away_until >= %s THEN 3 ELSE 1 END,
               COALESCE(people.helpers, 0), COALESCE(people.cross_team, 0), s."order", t.name
        FROM {task} t
        JOIN {stage} s ON s.id = t.stage_id
        LEFT JOIN {assignment} o ON o.task_id = t.id AND o.role = '{owner}'
        LEFT JOIN {person} op ON op.id = o.person_id
        LEFT JOIN {assignment} b ON b.task_id = t.id AND b.role = '{backup}'
        LEFT JOIN {person} bp ON bp.id = b.person_id
        LEFT JOIN (
            SELECT a.task_id,
                   COUNT(*) FILTER (WHERE a.role IN ({helpers})) AS helpers,
                   CASE WHEN MIN(p.team_id) <> MAX(p.team_id) THEN 1 ELSE 0 END AS cross_team
            FROM {assignment} a JOIN {person} p ON p.id = a.person_id
            GROUP BY a.task_id
        ) people ON people.task_id = t.id
        WHERE t.id IN ({{task_ids}})
    """.format(helpers=helpers, ranks=ranks, **_tables())


@functools.cache
def _details_sql() -> str:
    return """
        SELECT t.id, t.name, t.slug, s.name, t.criticality, t.rhythm, t.definition_of_done,
               t.version, t.created_at,
               op.id, op.name, op.email, op.departed_on, op.away_until, op.role_changed_at,
               bp.id, bp.name, bp.email, bp.departed_on, bp.away_until,
               (SELECT COUNT(*) FROM {assignment} h
                WHERE h.task_id = t.id AND h.role IN ({helpers})),
               (SELECT CASE WHEN MIN(p.team_id) <> MAX(p.team_id) THEN 1 ELSE 0 END
                FROM {assignment} a JOIN {person} p ON p.id = a.person_id
                WHERE a.task_id = t.id)
        FROM {task} t
        JOIN {stage} s ON s.id = t.stage_id
        LEFT JOIN {assignment} o ON o.task_id = t.id AND o.role = '{owner}'
        LEFT JOIN {person} op ON op.id = o.person_id
        LEFT JOIN {assignment} b ON b.task_id = t.id AND b.role = '{backup}'
        LEFT JOIN {person} bp ON bp.id = b.person_id
        WHERE t.id IN ({{placeholders}})
    """.format(helpers=", ".join(f"'{role}'" for role in HELPER_ROLES), **_tables())


def _person(pk, name, email, departed_on, away_until) -> PersonFacts | None:
    if pk is None:
        return None
    return PersonFacts(pk, name, email, _date(departed_on), _date(away_until))


def _details(pks: list[int], report: GapReport) -> dict[int, TaskGaps]:
    if not pks:
        return {}
    sql = _details_sql().format(placeholders=", ".join(["%s"] * len(pks)))
    with connection.cursor() as cursor:
        cursor.execute(sql, pks)
        rows = cursor.fetchall()
    return {
        row[0]: TaskGaps(
            pk=row[0],
            name=row[1],
            slug=row[2],
            stage_name=row[3],
            criticality=row[4],
            rhythm=row[5],
            definition_of_done=row[6],
            version=row[7],
            created_at=_datetime(row[8]),
            owner=_person(*row[9:14]),
            owner_role_changed_at=_datetime(row[14]),
            backup=_person(*row[15:20]),
            helpers=row[20],
            cross_team=bool(row[21]),
            gaps=report.gaps_of.get(row[0], []),
            report=report,
        )
        for row in rows
    }


def _overdue(tasks: QuerySet[Task], on: datetime.date) -> dict[int, datetime.date]:
    """One query: tasks whose next due date passed, beyond their grace, with no completion."""
    late = Q()
    for criticality, days in settings.OWNERMAP_OVERDUE_GRACE_DAYS.items():
        late |= Q(criticality=criticality, next_due_on__lt=on - datetime.timedelta(days=days))
    done = Completion.objects.filter(task=OuterRef("pk"), due_on=OuterRef("next_due_on"))
    rows = tasks.filter(late).exclude(Exists(done)).values_list("pk", "next_due_on")
    return dict(rows.order_by())


def _last_confirmed(tasks: QuerySet[Task]) -> dict[int, datetime.datetime]:
    """One query: when each task was last confirmed (or fixed and kept) in a review."""
    rows = (
        tasks.filter(review_items__outcome__in=REVIEW_CONFIRMATIONS)
        .values("pk")
        .annotate(last=Max("review_items__decided_at"))
        .values_list("pk", "last")
    )
    return {pk: last for pk, last in rows.order_by() if last is not None}


def _overloaded_owners() -> Counter:
    """One query: people accountable for more active critical tasks than the limit, with how many.

    The limit is about the person, so their load counts every task they own, not only those
    inside the dashboard's current filter.
    """
    rows = (
        Assignment.objects.filter(
            role=Role.OWNER, task__is_active=True, task__criticality=Criticality.CRITICAL
        )
        .values("person")
        .annotate(load=Count("pk"))
        .filter(load__gt=settings.OWNERMAP_MAX_CRITICAL_TASKS)
        .values_list("person", "load")
    )
    return Counter(dict(rows.order_by()))


def _day(value: datetime.date) -> str:
    return f"{value:%-d %b %Y}"


def active_tasks_filtered(
    *, stage: Stage | None = None, team: Team | None = None
) -> QuerySet[Task]:
    """Active tasks, optionally of one stage, or with someone from one team assigned."""
    tasks = Task.objects.filter(is_active=True)
    if stage is not None:
        tasks = tasks.filter(stage=stage)
    if team is not None:
        tasks = tasks.filter(
            Exists(Assignment.objects.filter(task=OuterRef("pk"), person__team=team))
        )
    return tasks


def gap_report(
    *,
    on: datetime.date,
    stage: Stage | None = None,
    team: Team | None = None,
    tasks: QuerySet[Task] | None = None,
) -> GapReport:
    """Every active task (of the stage or team, if given) with its gaps; four queries."""
    if tasks is None:
        tasks = active_tasks_filtered(stage=stage, team=team)
    stale_before = datetime.datetime.combine(
        on - datetime.timedelta(days=settings.OWNERMAP_STALE_AFTER_DAYS),
        datetime.time.min,
        tzinfo=timezone.get_current_timezone(),
    )
    ids_sql, ids_params = tasks.order_by().values("pk").query.sql_with_params()
    day = connection.ops.adapt_datefield_value(on)
    params = [connection.ops.adapt_datetimefield_value(stale_before), day, day, day]
    # Prepared (config/db.py): planning this join cost several milliseconds on each load.
    with prepared_cursor() as cursor:
        cursor.execute(_rules_sql().format(task_ids=ids_sql), params + list(ids_params))
        rows = cursor.fetchall()
    overdue = _overdue(tasks, on)
    last_confirmed = _last_confirmed(tasks)
    owner_load = _overloaded_owners()

    by_rule: dict[Rule, list[int]] = {rule: [] for rule in Rule}
    gaps_of: dict[int, list[Rule]] = {}
    covered = total = 0
    flagged = []
    # The hot path at 10,000 tasks: plain comparisons of small numbers, and nothing made for
    # tasks without gaps.
    for row in rows:
        pk, done, rank, no_rhythm, old, owner_pk, owner, backup, helpers = row[:9]
        gaps = []
        if owner == _NOBODY:
            gaps.append(Rule.CONTRIBUTORS_NO_OWNER if helpers else Rule.NO_OWNER)
        elif owner != _PRESENT:
            gaps.append(Rule.OWNER_DEPARTED)
        if backup != _PRESENT:
            gaps.append(Rule.NO_BACKUP)
        if pk in overdue:
            gaps.append(Rule.OVERDUE)
        vague = judge_definition_of_done(done) is not None
        if vague:
            gaps.append(Rule.VAGUE_DONE)
        if no_rhythm:
            gaps.append(Rule.NO_RHYTHM)
        if rank == 0 and owner_pk in owner_load:
            gaps.append(Rule.OVERLOADED_OWNER)
        last = last_confirmed.get(pk)
        if (old and last is None) or (last is not None and last < stale_before):
            gaps.append(Rule.STALE)
        if rank <= 1:  # critical and high tasks are the ones coverage measures
            total += 1
            # An owner who changed role is still here and still accountable.
            covered += (
                owner in (_PRESENT, _MOVED_OR_AWAY)
                and backup == _PRESENT
                and not vague
                and not no_rhythm
            )
        if gaps:
            gaps_of[pk] = gaps
            cross_team, stage_order, name = row[9:]
            flagged.append((not cross_team, rank, stage_order, name.lower(), pk))
    # Ranked here rather than by the database: PostgreSQL sorting the rows took longer than
    # everything else in the query, and only the flagged ones need an order.
    flagged.sort()
    for *_, pk in flagged:
        for rule in gaps_of[pk]:
            by_rule[rule].append(pk)
    return GapReport(
        on=on,
        task_count=len(rows),
        by_rule=by_rule,
        gaps_of=gaps_of,
        coverage=Coverage(covered, total),
        overdue=overdue,
        last_confirmed=last_confirmed,
        owner_load=owner_load,
    )


def task_gaps(task: Task, *, on: datetime.date) -> TaskGaps | None:
    """One task's gaps with their details (None for a retired task)."""
    report = gap_report(on=on, tasks=Task.objects.filter(pk=task.pk, is_active=True))
    rows = report.rows([task.pk]) if report.task_count else []
    return rows[0] if rows else None
