"""The gap rules: what is wrong with the map, computed from its data, never typed in by hand.

Most severe first, as the README's dashboard section lists them. Within each rule a task whose
people come from two or more teams ranks higher: each department assumes another is watching it.

The whole map's gaps take one query, whatever its size: every rule is judged in SQL but for the
vague definition of done (vagueness.py, in Python, on the text the query returns). It answers
each task's gaps as bits of one integer: names, dates and the rest are read afterwards, in one
more query, for the rows someone will actually look at (GapReport.rows). At 10,000 tasks,
reading every task's full facts cost more than computing the gaps.
"""

import datetime
import functools
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

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
# app's choices: ownership must not import reviews (docs/architecture.md).
REVIEW_CONFIRMATIONS = ("confirmed", "changed")

# The rules query answers each task's facts packed in one integer (see _rules_sql): bits 0-1
# the criticality's rank, then one bit per rule in the order of Rule (vague_done's is set in
# Python), then whether the owner is still here, whether the task spans teams, and the stage's
# order above those.
_RULE_SHIFT = 2
_RULE_BITS = {rule: 1 << (_RULE_SHIFT + index) for index, rule in enumerate(Rule)}
_OWNER_HERE = 1 << (_RULE_SHIFT + len(Rule))
_SINGLE_TEAM = _OWNER_HERE << 1
_STAGE_SHIFT = _RULE_SHIFT + len(Rule) + 2
_UNCOVERED = _RULE_BITS[Rule.NO_BACKUP] | _RULE_BITS[Rule.VAGUE_DONE] | _RULE_BITS[Rule.NO_RHYTHM]


@functools.cache
def _rules_of(bits: int) -> tuple[Rule, ...]:
    return tuple(rule for rule, bit in _RULE_BITS.items() if bits & bit)


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
    next_due_on: datetime.date | None
    owner: PersonFacts | None
    owner_role_changed_at: datetime.datetime | None
    backup: PersonFacts | None
    helpers: int
    cross_team: bool
    owner_load: int
    last_confirmed: datetime.datetime | None
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
            return f"Due on {_day(self.next_due_on)}; not confirmed done."
        if rule == Rule.VAGUE_DONE:
            return self.vagueness.explanation
        if rule == Rule.NO_RHYTHM:
            return "No deadline rhythm: nobody knows when it is due."
        if rule == Rule.OVERLOADED_OWNER:
            return (
                f"{owner.name} is accountable for {self.owner_load} critical "
                f"tasks (the limit is {settings.OWNERMAP_MAX_CRITICAL_TASKS})."
            )
        last = self.last_confirmed
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
    review_item = Task._meta.get_field("review_items").related_model
    return {
        "task": Task._meta.db_table,
        "stage": Stage._meta.db_table,
        "assignment": Assignment._meta.db_table,
        "person": Person._meta.db_table,
        "completion": Completion._meta.db_table,
        "review_item": review_item._meta.db_table,
        "owner": Role.OWNER.value,
        "backup": Role.BACKUP.value,
        "helpers": ", ".join(f"'{role}'" for role in HELPER_ROLES),
        "confirmations": ", ".join(f"'{outcome}'" for outcome in REVIEW_CONFIRMATIONS),
        "critical": Criticality.CRITICAL.value,
    }


# Per task: how many helpers, whether from two teams or more (MIN <> MAX: a hash aggregate,
# twice as fast as COUNT(DISTINCT)), the owner's load of critical tasks, the last confirmation.
_AGGREGATES = """
        LEFT JOIN (
            SELECT a.task_id,
                   COUNT(*) FILTER (WHERE a.role IN ({helpers})) AS helpers,
                   CASE WHEN MIN(p.team_id) <> MAX(p.team_id) THEN 1 ELSE 0 END AS cross_team
            FROM {assignment} a JOIN {person} p ON p.id = a.person_id
            GROUP BY a.task_id
        ) people ON people.task_id = t.id
        LEFT JOIN (
            SELECT a.person_id, COUNT(*) AS critical
            FROM {assignment} a JOIN {task} ct ON ct.id = a.task_id
            WHERE a.role = '{owner}' AND ct.is_active AND ct.criticality = '{critical}'
            GROUP BY a.person_id
        ) owner_load ON owner_load.person_id = o.person_id
        LEFT JOIN (
            SELECT r.task_id, MAX(r.decided_at) AS decided_at
            FROM {review_item} r WHERE r.outcome IN ({confirmations})
            GROUP BY r.task_id
        ) confirmed ON confirmed.task_id = t.id
"""


@functools.cache
def _rules_sql() -> str:
    ranks = " ".join(f"WHEN '{c}' THEN {rank}" for c, rank in _CRITICALITY_RANK.items())
    grace = " ".join(f"WHEN '{c}' THEN %s" for c in list(settings.OWNERMAP_OVERDUE_GRACE_DAYS)[:-1])
    bit = {rule: _RULE_BITS[rule] for rule in Rule}
    # Every rule but the vague definition of done is judged here, in one pass: the owner and
    # the backup are one row each (the database guarantees it) and join without grouping; the
    # rest come from three small aggregates. The answer is packed in one integer per task:
    # reading a value costs about as much as a short row, and at 10,000 tasks the same facts
    # as columns took twice as long to read. The nested CASE keeps the completion lookup to
    # the tasks whose due date has passed.
    # Parameters (_rules_params): the day thrice, the grace cut-offs by criticality, the limit
    # of critical tasks, the stale cut-off, the day again.
    return (
        """
        SELECT t.id, t.definition_of_done, t.name, CASE t.criticality {ranks} ELSE 3 END
          + CASE WHEN o.id IS NULL AND COALESCE(people.helpers, 0) > 0
                 THEN {contributors_no_owner} ELSE 0 END
          + CASE WHEN o.id IS NULL AND COALESCE(people.helpers, 0) = 0 THEN {no_owner} ELSE 0 END
          + CASE WHEN op.departed_on <= %s OR op.role_changed_at > o.confirmed_at
                 THEN {owner_departed} ELSE 0 END
          + CASE WHEN b.id IS NULL OR bp.departed_on <= %s OR bp.away_until >= %s
                 THEN {no_backup} ELSE 0 END
          + CASE WHEN t.next_due_on < CASE t.criticality {grace} ELSE %s END
                 THEN CASE WHEN NOT EXISTS (
                          SELECT 1 FROM {completion} c
                          WHERE c.task_id = t.id AND c.due_on = t.next_due_on
                      ) THEN {overdue} ELSE 0 END
                 ELSE 0 END
          + CASE WHEN TRIM(t.rhythm) = '' THEN {no_rhythm} ELSE 0 END
          + CASE WHEN t.criticality = '{critical}' AND owner_load.critical > %s
                 THEN {overloaded_owner} ELSE 0 END
          + CASE WHEN COALESCE(confirmed.decided_at, t.created_at) < %s THEN {stale} ELSE 0 END
          + CASE WHEN o.id IS NOT NULL AND (op.departed_on IS NULL OR op.departed_on > %s)
                 THEN {owner_here} ELSE 0 END
          + CASE WHEN COALESCE(people.cross_team, 0) = 1 THEN 0 ELSE {single_team} END
          + s."order" * {stage_unit}
        FROM {task} t
        JOIN {stage} s ON s.id = t.stage_id
        LEFT JOIN {assignment} o ON o.task_id = t.id AND o.role = '{owner}'
        LEFT JOIN {person} op ON op.id = o.person_id
        LEFT JOIN {assignment} b ON b.task_id = t.id AND b.role = '{backup}'
        LEFT JOIN {person} bp ON bp.id = b.person_id
        """  # noqa: S608 - constant fragments; values are bound
        + _AGGREGATES
        + """
        WHERE t.id IN ({{task_ids}})
        """
    ).format(
        ranks=ranks,
        grace=grace,
        owner_here=_OWNER_HERE,
        single_team=_SINGLE_TEAM,
        stage_unit=1 << _STAGE_SHIFT,
        **{rule.value: value for rule, value in bit.items()},
        **_tables(),
    )


def _rules_params(on: datetime.date) -> list:
    ops = connection.ops
    day = ops.adapt_datefield_value(on)
    grace = [
        ops.adapt_datefield_value(on - datetime.timedelta(days=days))
        for days in settings.OWNERMAP_OVERDUE_GRACE_DAYS.values()
    ]
    stale_before = datetime.datetime.combine(
        on - datetime.timedelta(days=settings.OWNERMAP_STALE_AFTER_DAYS),
        datetime.time.min,
        tzinfo=timezone.get_current_timezone(),
    )
    return [
        day,
        day,
        day,
        *grace,
        settings.OWNERMAP_MAX_CRITICAL_TASKS,
        ops.adapt_datetimefield_value(stale_before),
        day,
    ]


@functools.cache
def _details_sql() -> str:
    return (
        """
        SELECT t.id, t.name, t.slug, s.name, t.criticality, t.rhythm, t.definition_of_done,
               t.version, t.created_at, t.next_due_on,
               op.id, op.name, op.email, op.departed_on, op.away_until, op.role_changed_at,
               bp.id, bp.name, bp.email, bp.departed_on, bp.away_until,
               COALESCE(people.helpers, 0), COALESCE(people.cross_team, 0),
               COALESCE(owner_load.critical, 0), confirmed.decided_at
        FROM {task} t
        JOIN {stage} s ON s.id = t.stage_id
        LEFT JOIN {assignment} o ON o.task_id = t.id AND o.role = '{owner}'
        LEFT JOIN {person} op ON op.id = o.person_id
        LEFT JOIN {assignment} b ON b.task_id = t.id AND b.role = '{backup}'
        LEFT JOIN {person} bp ON bp.id = b.person_id
        """  # noqa: S608 - constant fragments; values are bound
        + _AGGREGATES
        + """
        WHERE t.id IN ({{placeholders}})
        """
    ).format(**_tables())


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
            next_due_on=_date(row[9]),
            owner=_person(*row[10:15]),
            owner_role_changed_at=_datetime(row[15]),
            backup=_person(*row[16:21]),
            helpers=row[21],
            cross_team=bool(row[22]),
            owner_load=row[23],
            last_confirmed=_datetime(row[24]),
            gaps=report.gaps_of.get(row[0], []),
            report=report,
        )
        for row in rows
    }


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
    """Every active task (of the stage or team, if given) with its gaps: one query."""
    if tasks is None:
        tasks = active_tasks_filtered(stage=stage, team=team)
    ids_sql, ids_params = tasks.order_by().values("pk").query.sql_with_params()
    # Prepared once per connection (server-side binding, config/settings.py): planning this
    # statement cost several milliseconds on each load.
    with connection.cursor() as cursor:
        cursor.execute(_rules_sql().format(task_ids=ids_sql), [*_rules_params(on), *ids_params])
        rows = cursor.fetchall()

    gaps_of: dict[int, list[Rule]] = {}
    flagged = []
    covered = total = 0
    vague_bit = _RULE_BITS[Rule.VAGUE_DONE]
    for pk, done, name, packed in rows:
        if judge_definition_of_done(done) is not None:
            packed |= vague_bit
        rank = packed & 3
        if rank <= 1:  # critical and high tasks are the ones coverage measures
            total += 1
            covered += bool(packed & _OWNER_HERE) and not packed & _UNCOVERED
        rules = _rules_of(packed & ~3 & (_OWNER_HERE - 1))
        if rules:
            gaps_of[pk] = list(rules)
            single_team = bool(packed & _SINGLE_TEAM)
            flagged.append((single_team, rank, packed >> _STAGE_SHIFT, name.lower(), pk))
    # Ranked here rather than by the database: PostgreSQL sorting the rows by name took longer
    # than the rest of the query, and only the flagged ones need an order.
    flagged.sort()
    by_rule: dict[Rule, list[int]] = {rule: [] for rule in Rule}
    for *_, pk in flagged:
        for rule in gaps_of[pk]:
            by_rule[rule].append(pk)
    return GapReport(
        on=on,
        task_count=len(rows),
        by_rule=by_rule,
        gaps_of=gaps_of,
        coverage=Coverage(covered, total),
    )


def task_gaps(task: Task, *, on: datetime.date) -> TaskGaps | None:
    """One task's gaps with their details (None for a retired task)."""
    report = gap_report(on=on, tasks=Task.objects.filter(pk=task.pk, is_active=True))
    rows = report.rows([task.pk]) if report.task_count else []
    return rows[0] if rows else None
