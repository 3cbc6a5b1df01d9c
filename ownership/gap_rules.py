"""The gap rules: what is wrong with the map, computed from its data, never typed in by hand.

Each rule is one entry of RULES below, most severe first: its code, label and meaning, the SQL
predicate that finds it, its detail in words and the fixes it offers. The dashboard, the `gaps`
command, the task page, review snapshots and the trend read the rules from there, so a new rule
is a new entry and nothing else.

The whole map's gaps take one query, whatever its size: every rule's predicate becomes one term
of a sum over each task's narrow row of facts (GapFacts, ownership/gap_facts.py), and each
task's gaps come back as bits of one integer, already ranked. Names, dates and the rest are read
afterwards, in one more query, for the rows someone will actually look at (GapReport.rows). At
10,000 tasks, reading every task's full facts cost more than computing the gaps. Within each
rule a task whose people come from two or more teams ranks higher: each department assumes
another is watching it.

A rule reads the facts as `f`, and its owner and backup as `op` and `bp`; a rule that needs
more of the task may read it as `t`, which joins the task's own row (a fact the rules read
often belongs in GapFacts instead).
"""

import datetime
import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from ownership.fixes import BackupFix, DefinitionOfDoneFix, Fix, KeepOwnerFix, OwnerFix, RhythmFix
from ownership.gap_facts import HELPER_ROLES
from ownership.models import (
    Assignment,
    EscalationStep,
    GapFacts,
    Person,
    Policy,
    Role,
    StepRole,
    Team,
)
from ownership.vagueness import Vagueness, judge_definition_of_done
from tasks_registry.models import (
    Completion,
    Criticality,
    Metric,
    Promise,
    PromiseLink,
    Stage,
    Task,
    Unit,
    target_words,
)

# --- The facts a rule reads -------------------------------------------------------------------


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


class StepFacts(NamedTuple):
    """The last escalation step its overdue occurrence reached (ownership/escalation.py)."""

    number: int
    role: str
    person_name: str
    on: datetime.date

    @property
    def role_label(self) -> str:
        return StepRole(self.role).label

    @property
    def escalated(self) -> bool:
        return self.number > 1


class MetricFacts(NamedTuple):
    """The metric a task protects, and its latest value (tasks_registry/metrics.py)."""

    name: str
    unit: str
    direction: str
    target: Decimal | None
    latest_value: Decimal | None
    latest_on: datetime.date | None
    off_by: float | None

    def show(self, value: Decimal | None) -> str:
        return Unit(self.unit).show(value)

    @property
    def target_words(self) -> str:
        return target_words(Unit(self.unit), self.direction, self.target)


class PromiseChange(NamedTuple):
    """A promise the task repeats whose wording or value changed since its place was last
    confirmed to say it."""

    name: str
    said: str  # the wording the place was last confirmed to say
    wording: str  # the promise's wording now
    said_value: str
    value: str
    place: str

    @property
    def words(self) -> str:
        if self.said != self.wording:
            change = f"from “{self.said}” to “{self.wording}”"
        else:
            change = f"from {self.said_value or 'no value'} to {self.value or 'no value'}"
        return f"“{self.name}” changed {change}: re-check {self.place}."


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
    step: StepFacts | None
    attested_at: datetime.datetime | None
    owner_since: datetime.datetime | None
    attest_every_days: int
    gaps: list["GapRule"]
    report: "GapReport" = field(repr=False)
    # Named only where nobody owns it (the first few, by name): who to choose an owner from.
    helper_names: tuple[str, ...] = ()
    metric: MetricFacts | None = None
    promise_changes: tuple[PromiseChange, ...] = ()

    @property
    def on(self) -> datetime.date:
        return self.report.on

    @property
    def codes(self) -> list[str]:
        return [rule.code for rule in self.gaps]

    @property
    def gap_list(self) -> list[tuple["GapRule", str]]:
        return [(rule, rule.detail(self)) for rule in self.gaps]

    def get_absolute_url(self) -> str:
        return f"{self.report.task_url_prefix}{self.slug}/"

    def get_criticality_display(self) -> str:
        return Criticality(self.criticality).label

    @property
    def attested_since(self) -> datetime.datetime | None:
        """Its owner's last word for it: their attestation, or their taking it on."""
        moments = [m for m in (self.attested_at, self.owner_since) if m is not None]
        return max(moments) if moments else None

    @property
    def attest_by(self) -> datetime.date | None:
        """The day its owner's last word runs out: past it, the unattested rule flags it."""
        since = self.attested_since
        if since is None:
            return None
        return timezone.localdate(since) + datetime.timedelta(days=self.attest_every_days)

    @property
    def vagueness(self) -> Vagueness | None:
        return judge_definition_of_done(self.definition_of_done)


# --- The rules --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GapRule:
    """One gap rule. `sql` is a condition on one task, over the aliases of _RULE_FACTS: {name}
    inserts a constant of _VOCABULARY, %(name)s binds a value of PARAMETERS (and a literal %
    is written %%)."""

    code: str
    label: str
    meaning: str
    detail: Callable[[TaskGaps], str]
    sql: str = ""
    # The fixes offered where the gap is shown, in this order (ownership/fixes.py).
    fixes: tuple[type[Fix], ...] = ()
    # A critical or high task with this gap does not count as covered.
    uncovers: bool = False
    # The trend table's column the gap is counted in (rules may share one); "" for none.
    trend_column: str = ""
    # It comes with time alone, so a task that gains it during a campaign is not reviewed
    # for it after the campaign.
    comes_with_time: bool = False
    # An SQL expression over the facts ranking its tasks within it, highest first (by the
    # map's order when ""): a number from 0 to RANK_CAP, compared to 1/RANK_SCALE. One rule
    # of the registry at most ranks its own tasks.
    rank_by: str = ""

    def __str__(self) -> str:
        return self.label

    @property
    def severity(self) -> int:
        return RULES.index(self)

    def fixes_for(self, row: TaskGaps) -> list[type[Fix]]:
        return [fix for fix in self.fixes if fix.offered(row)]


@functools.lru_cache(maxsize=4096)  # a map's details name a few hundred days, each many times
def _day(value: datetime.date | None) -> str:
    # Every rule that names a day finds it set: None is only for the type checker.
    return f"{value:%-d %b %Y}" if value else "an unknown day"


def _helpers_detail(row: TaskGaps) -> str:
    """Who helps, by name: the people an owner is chosen from."""
    people = "person helps" if row.helpers == 1 else "people help"
    names = row.helper_names
    if not names:
        return f"{row.helpers} {people}; nobody is accountable."
    more = row.helpers - len(names)
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    return f"{row.helpers} {people} ({listed}); nobody is accountable."


def _departed_detail(row: TaskGaps) -> str:
    assert row.owner is not None  # noqa: S101 - the rule needs an owner
    if row.owner.has_departed(row.on):
        return f"{row.owner.name} left on {_day(row.owner.departed_on)}."
    changed = timezone.localdate(row.owner_role_changed_at)
    return (
        f"{row.owner.name} changed role on {_day(changed)}, after becoming owner: "
        "confirm them or hand it over."
    )


def _backup_detail(row: TaskGaps) -> str:
    backup = row.backup
    if backup is None:
        return "Nobody can step in when the owner is away."
    if backup.has_departed(row.on):
        return f"The backup, {backup.name}, left on {_day(backup.departed_on)}."
    return f"The backup, {backup.name}, is away until {_day(backup.away_until)}."


def _overloaded_detail(row: TaskGaps) -> str:
    assert row.owner is not None  # noqa: S101 - the rule needs an owner
    return (
        f"{row.owner.name} is accountable for {row.owner_load} critical "
        f"tasks (the limit is {settings.OWNERMAP_MAX_CRITICAL_TASKS})."
    )


def _stale_detail(row: TaskGaps) -> str:
    if row.last_confirmed is None:
        added = timezone.localdate(row.created_at)
        return f"Never confirmed in a review since it was added on {_day(added)}."
    return f"Last confirmed in a review on {_day(timezone.localdate(row.last_confirmed))}."


CONTRIBUTORS_NO_OWNER = GapRule(
    code="contributors_no_owner",
    label="Contributors, no owner",
    meaning="People do or check the work, but nobody is accountable for it.",
    sql="f.owner_id IS NULL AND COALESCE(f.helpers, 0) > 0",
    detail=_helpers_detail,
    fixes=(OwnerFix,),
    trend_column="No owner",
)
NO_OWNER = GapRule(
    code="no_owner",
    label="No owner",
    meaning="Nobody at all is assigned.",
    sql="f.owner_id IS NULL AND COALESCE(f.helpers, 0) = 0",
    detail=lambda row: "Nobody is assigned to it at all.",
    fixes=(OwnerFix,),
    trend_column="No owner",
)
OWNER_DEPARTED = GapRule(
    code="owner_departed",
    label="Owner departed or changed role",
    meaning="The owner has left, or changed team or title since taking it on.",
    sql="op.departed_on <= %(today)s OR op.role_changed_at > f.owner_confirmed_at",
    detail=_departed_detail,
    fixes=(KeepOwnerFix, OwnerFix),
)
NO_BACKUP = GapRule(
    code="no_backup",
    label="No backup",
    meaning="Nobody can step in: no backup, or the backup is away or has left.",
    sql="f.backup_id IS NULL OR bp.departed_on <= %(today)s OR bp.away_until >= %(today)s",
    detail=_backup_detail,
    fixes=(BackupFix,),
    uncovers=True,
    trend_column="No backup",
)


def _overdue_detail(row: TaskGaps) -> str:
    said = f"Due on {_day(row.next_due_on)}; not confirmed done."
    step = row.step
    if step is None:
        return said
    told = "Escalated to" if step.escalated else "Told"
    return (
        f"{said} {told} {step.person_name} on {step.on:%-d %b} "
        f"(step {step.number}: {step.role_label.lower()})."
    )


OVERDUE = GapRule(
    code="overdue",
    label="Overdue",
    meaning="A due occurrence passed with no completion.",
    sql="""
        f.next_due_on < CASE f.criticality
            WHEN '{critical}' THEN %(due_before_critical)s
            WHEN '{high}' THEN %(due_before_high)s
            ELSE %(due_before_normal)s END
        AND NOT f.due_done
    """,
    detail=_overdue_detail,
)
VAGUE_DONE = GapRule(
    code="vague_done",
    label="Vague definition of done",
    meaning="The definition of done is missing or too thin for anyone to check.",
    sql="f.vague",
    detail=lambda row: row.vagueness.explanation if row.vagueness else "",
    fixes=(DefinitionOfDoneFix,),
    uncovers=True,
    trend_column="Vague done",
)
NO_RHYTHM = GapRule(
    code="no_rhythm",
    label="No deadline rhythm",
    meaning="Nobody knows when it is due.",
    sql="f.no_rhythm",
    detail=lambda row: "No deadline rhythm: nobody knows when it is due.",
    fixes=(RhythmFix,),
    uncovers=True,
)
PROMISE_CHANGED = GapRule(
    code="promise_changed",
    label="Promise changed: re-check",
    meaning=(
        "A promise it repeats to customers changed, and its owner has not said the place "
        "was updated."
    ),
    sql="f.promises_unchecked > 0",
    detail=lambda row: " ".join(change.words for change in row.promise_changes),
)
OVERLOADED_OWNER = GapRule(
    code="overloaded_owner",
    label="Overloaded owner",
    meaning="Its owner is accountable for more critical tasks than the set limit.",
    sql="f.criticality = '{critical}' AND owner_load.critical > %(critical_limit)s",
    detail=_overloaded_detail,
    fixes=(OwnerFix,),
)
STALE = GapRule(
    code="stale",
    label="Stale",
    meaning="Not confirmed in any review for more than a quarter.",
    sql="f.confirmed_on < %(stale_before)s",
    detail=_stale_detail,
    comes_with_time=True,
)


def _unattested_detail(row: TaskGaps) -> str:
    assert row.owner is not None  # noqa: S101 - the rule needs an owner
    every = row.attest_every_days
    since = row.attested_since
    if row.attested_at is None or since is None or row.attested_at < since:
        taken = f"since taking it on {_day(timezone.localdate(since))}" if since else "yet"
        return f"{row.owner.name} has not attested it {taken} (every {every} days)."
    return (
        f"{row.owner.name} last attested it on {_day(timezone.localdate(since))} "
        f"(every {every} days)."
    )


UNATTESTED = GapRule(
    code="unattested",
    label="Unattested",
    meaning="Its owner has not said it is still theirs and still right within its period.",
    sql="""
        f.owner_id IS NOT NULL AND (op.departed_on IS NULL OR op.departed_on > %(today)s)
        AND f.owner_confirmed_at < {attest_cutoff}
        AND (f.attested_at IS NULL OR f.attested_at < {attest_cutoff})
    """,
    detail=_unattested_detail,
    comes_with_time=True,
)


def _metric_detail(row: TaskGaps) -> str:
    metric = row.metric
    assert metric is not None  # noqa: S101 - the rule needs a metric with a value
    assert metric.latest_on is not None  # noqa: S101
    return (
        f"{metric.name} was {metric.show(metric.latest_value)} on {_day(metric.latest_on)}; "
        f"the target is {metric.target_words}."
    )


METRIC_OFF_TARGET = GapRule(
    code="metric_off_target",
    label="Metric off target",
    meaning="The latest value of the metric it protects misses its target.",
    sql="f.metric_off > 0",
    detail=_metric_detail,
    rank_by="f.metric_off",
)


class GapRules:
    """The rules, most severe first: the dashboard, the command and each task's list follow
    this order."""

    def __init__(self, *rules: GapRule) -> None:
        self.rules = rules

    def __iter__(self) -> Iterator[GapRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def index(self, rule: GapRule) -> int:
        return self.rules.index(rule)

    def get(self, code: str | None) -> GapRule | None:
        return next((rule for rule in self.rules if rule.code == code), None)

    def trend_columns(self) -> dict[str, list[GapRule]]:
        columns: dict[str, list[GapRule]] = {}
        for rule in self.rules:
            if rule.trend_column:
                columns.setdefault(rule.trend_column, []).append(rule)
        return columns


RULES = GapRules(
    CONTRIBUTORS_NO_OWNER,
    NO_OWNER,
    OWNER_DEPARTED,
    NO_BACKUP,
    OVERDUE,
    PROMISE_CHANGED,
    VAGUE_DONE,
    NO_RHYTHM,
    OVERLOADED_OWNER,
    METRIC_OFF_TARGET,
    STALE,
    UNATTESTED,
)

# A rule's own ranking (GapRule.rank_by), packed as an integer: to a thousandth, up to a million.
RANK_SCALE, RANK_CAP = 1000, 1_000_000

_CRITICALITY_RANK = {Criticality.CRITICAL: 0, Criticality.HIGH: 1, Criticality.NORMAL: 2}


def _due_before(criticality: Criticality) -> Callable[[datetime.date], datetime.date]:
    def cutoff(on: datetime.date) -> datetime.date:
        days = settings.OWNERMAP_OVERDUE_GRACE_DAYS[criticality.value]
        return on - datetime.timedelta(days=days)

    return cutoff


def _stale_before(on: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        on - datetime.timedelta(days=settings.OWNERMAP_STALE_AFTER_DAYS),
        datetime.time.min,
        tzinfo=timezone.get_current_timezone(),
    )


def _attest_days(criticality: Criticality) -> Callable[[datetime.date], int]:
    return lambda on: settings.OWNERMAP_ATTEST_EVERY_DAYS[criticality.value]


# The values a rule's SQL may bind, computed for the day the report is for.
PARAMETERS: dict[str, Callable[[datetime.date], Any]] = {
    "today": lambda on: on,
    **{f"due_before_{c.value}": _due_before(c) for c in Criticality},
    "critical_limit": lambda on: settings.OWNERMAP_MAX_CRITICAL_TASKS,
    "stale_before": _stale_before,
    "midnight": lambda on: datetime.datetime.combine(
        on, datetime.time.min, tzinfo=timezone.get_current_timezone()
    ),
    **{f"attest_days_{c.value}": _attest_days(c) for c in Criticality},
}


def _attest_cutoff() -> str:
    """The moment before which an owner's last word for a task is too old: midnight today less
    the period of its criticality (the ops leads' policy, else the default). Each criticality's
    is a subquery of constants, which the database works out once, not once per task; the date
    arithmetic is the database's own."""
    ago = (
        "%(midnight)s - make_interval(days => {days})"
        if connection.vendor == "postgresql"
        else "datetime(%(midnight)s, '-' || {days} || ' days')"
    )
    saved = f"SELECT p.attest_every_days FROM {Policy._meta.db_table} p WHERE p.criticality"  # noqa: S608 - the table's name from the model
    cases = []
    for c in Criticality:
        days = f"COALESCE(({saved} = '{c.value}'), %(attest_days_{c.value})s)"
        cases.append(f"WHEN '{c.value}' THEN (SELECT {ago.format(days=days)})")
    return f"CASE f.criticality {' '.join(cases)} END"


def _vocabulary() -> dict[str, str]:
    """The constants a rule's SQL may name: tables, and values of the map's own choices."""
    return {
        "task": Task._meta.db_table,
        "stage": Stage._meta.db_table,
        "assignment": Assignment._meta.db_table,
        "facts": GapFacts._meta.db_table,
        "person": Person._meta.db_table,
        "completion": Completion._meta.db_table,
        "step": EscalationStep._meta.db_table,
        "policy": Policy._meta.db_table,
        "metric": Metric._meta.db_table,
        "promise": Promise._meta.db_table,
        "promise_link": PromiseLink._meta.db_table,
        "attest_cutoff": _attest_cutoff(),
        "owner": Role.OWNER.value,
        "helper_roles": ", ".join(f"'{role}'" for role in sorted(HELPER_ROLES)),
        "helpers_named": str(HELPERS_NAMED),
        **{c.value: c.value for c in Criticality},
    }


# What the rules read: each task's narrow row of facts, its owner and backup, and its owner's
# load of critical tasks ({task_row}: the task's own row, for a rule that reads it as `t`).
_RULE_FACTS = """
        FROM {facts} f
        LEFT JOIN {person} op ON op.id = f.owner_id
        LEFT JOIN {person} bp ON bp.id = f.backup_id{owner_load}{task_row}
"""
# What the details show: the task's own row, its stage, and the same facts and people.
_DETAIL_FACTS = """
        FROM {task} t
        JOIN {stage} s ON s.id = t.stage_id
        LEFT JOIN {facts} f ON f.task_id = t.id
        LEFT JOIN {person} op ON op.id = f.owner_id
        LEFT JOIN {person} bp ON bp.id = f.backup_id{owner_load}
"""
# An owner's load: how many active critical tasks they own. For the whole map, every owner's
# at once; for a few tasks, each row's owner's alone, through the index of the active critical
# tasks' owners (every owner's load again for each batch of a thousand made gaps --json take
# 26 s at 100,000 tasks). The rules read owner_load.critical; a page's details the row's form.
_OWNER_LOADS = """
        LEFT JOIN (
            SELECT lf.owner_id, COUNT(*) AS critical FROM {facts} lf
            WHERE lf.is_active AND lf.criticality = '{critical}' AND lf.owner_id IS NOT NULL
            GROUP BY lf.owner_id
        ) owner_load ON owner_load.owner_id = f.owner_id"""
_OWNER_LOAD_OF_ROW = """(
            SELECT COUNT(*) FROM {facts} lf
            WHERE lf.owner_id = f.owner_id AND lf.is_active AND lf.criticality = '{critical}'
        )"""
_TASK_ROW = "\n        JOIN {task} t ON t.id = f.task_id"
_READS_TASK = re.compile(r"\bt\.")
_PARAMETER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True, eq=False)
class _Compiled:
    """The rules as one statement, and how to read its answer: bits 0-1 the criticality's
    rank, then one bit per rule in order, then whether the owner is still here. The rows come
    ranked: tasks whose people span teams first, then by criticality, stage and name. Above
    those bits, the rank of the one rule that ranks its own tasks (rank_shift)."""

    sql: str
    parameters: tuple[str, ...]
    bits: dict[GapRule, int]
    owner_here: int
    uncovered: int
    # The rule that ranks its own tasks, if any, and where its rank starts in the packed bits.
    ranked: GapRule | None = None
    rank_shift: int = 0

    @property
    def rule_mask(self) -> int:
        return ~3 & (self.owner_here - 1)

    # The loop over every task reads this dictionary with .get() and fills it on a miss
    # (rules_of): a Python call per task cost 2 ms at 10,000 tasks.
    @cached_property
    def found(self) -> dict[int, tuple[GapRule, ...]]:
        """The rules of each combination of rule bits seen so far."""
        return {}

    def rules_of(self, bits: int) -> tuple[GapRule, ...]:
        rules = self.found[bits] = tuple(r for r, bit in self.bits.items() if bits & bit)
        return rules

    def values(self, on: datetime.date) -> list[Any]:
        ops = connection.ops
        found = []
        for name in self.parameters:
            value = PARAMETERS[name](on)
            if isinstance(value, datetime.datetime):
                value = ops.adapt_datetimefield_value(value)
            elif isinstance(value, datetime.date):
                value = ops.adapt_datefield_value(value)
            found.append(value)
        return found


@functools.cache
def _compile(rules: tuple[GapRule, ...]) -> _Compiled:
    bits = {rule: 1 << (2 + index) for index, rule in enumerate(rules)}
    owner_here = 1 << (2 + len(rules))
    ranks = " ".join(f"WHEN '{c}' THEN {rank}" for c, rank in _CRITICALITY_RANK.items())
    rank = f"CASE f.criticality {ranks} ELSE 3 END"
    terms = [rank]
    terms += [f"CASE WHEN ({rule.sql}) THEN {bits[rule]} ELSE 0 END" for rule in rules]
    terms += [
        "CASE WHEN f.owner_id IS NOT NULL"
        " AND (op.departed_on IS NULL OR op.departed_on > %(today)s)"
        f" THEN {owner_here} ELSE 0 END",
    ]
    ranked = [rule for rule in rules if rule.rank_by]
    if len(ranked) > 1:
        raise ValueError(f"Only one gap rule may rank its own tasks: {[r.code for r in ranked]}")
    rank_shift = owner_here.bit_length()
    # Packed with the rest: as a column of its own, the rank cost 3 ms at 10,000 tasks (PostgreSQL
    # sorted and sent a wider row).
    terms += [
        f"CASE WHEN ({rule.sql}) THEN CAST(CASE WHEN {rule.rank_by} > {RANK_CAP}"
        f" THEN {RANK_CAP} ELSE {rule.rank_by} END * {RANK_SCALE} AS BIGINT)"
        f" * {1 << rank_shift} ELSE 0 END"
        for rule in ranked
    ]
    # Names compared character by character, as Python compares them, on either database.
    binary = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    # The answer is packed in one integer per task: reading a value costs about as much as a
    # short row, and at 10,000 tasks the same facts as columns took twice as long to read. The
    # database ranks the rows: Python sorting the flagged ones took 85 ms at 100,000 tasks.
    template = (
        "SELECT f.task_id, "
        + "\n          + ".join(terms)
        + _RULE_FACTS
        + "WHERE {{scope}}\n"
        + f"ORDER BY f.cross_team DESC, {rank}, f.stage_order, f.name_key{binary}, f.task_id"
    )
    vocabulary = _vocabulary()
    reads_task = any(_READS_TASK.search(rule.sql) for rule in rules)
    sql = template.format_map(
        {
            **vocabulary,
            "owner_load": _OWNER_LOADS.format_map(vocabulary),
            "task_row": _TASK_ROW.format_map(vocabulary) if reads_task else "",
        }
    )
    parameters = tuple(_PARAMETER.findall(sql))
    return _Compiled(
        sql=_PARAMETER.sub("%s", sql),
        parameters=parameters,
        bits=bits,
        owner_here=owner_here,
        uncovered=sum(bits[rule] for rule in rules if rule.uncovers),
        ranked=ranked[0] if ranked else None,
        rank_shift=rank_shift,
    )


# --- The report -------------------------------------------------------------------------------


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
    by_rule: dict[GapRule, list[int]]
    gaps_of: dict[int, tuple[GapRule, ...]]
    coverage: Coverage
    # Of the tasks with an owner still here, those attested within their period.
    attested: Coverage = Coverage(0, 0)

    @property
    def counts(self) -> dict[GapRule, int]:
        return {rule: len(pks) for rule, pks in self.by_rule.items()}

    @cached_property
    def task_url_prefix(self) -> str:
        """Task pages' path up to the slug: one reverse() per report, not one per row shown
        (slugs are URL-safe as they are)."""
        return reverse("ownership:task_detail", kwargs={"slug": "slug"}).removesuffix("slug/")

    def counts_by_code(self) -> dict[str, int]:
        return {rule.code: len(pks) for rule, pks in self.by_rule.items()}

    @property
    def flagged(self) -> list[int]:
        """Tasks with at least one gap, by their most severe one, then as ranked within it."""
        seen: dict[int, None] = {}
        for pks in self.by_rule.values():
            seen.update(dict.fromkeys(pks))
        return list(seen)

    def rows(self, pks: list[int]) -> list[TaskGaps]:
        """The facts to show these tasks and their gaps, in the order given: one query."""
        return list(self.each_row(pks))

    def each_row(self, pks: list[int]) -> Iterator[TaskGaps]:
        """rows(), read as they are used: a page's few tasks are looked up one by one, more
        than a batch are read in one pass over the map, in the order given, a batch at a time
        (gaps --json at 100,000 tasks asked for a thousand at a time took 100 statements and
        13 s of the database's time)."""
        if not pks:
            return
        whole = len(pks) > DETAILS_BATCH
        ids = pks if connection.vendor == "postgresql" else json.dumps(pks)
        sql = _details_sql(whole)
        # Through the whole map, a server-side cursor on PostgreSQL: rows come as they are read.
        with connection.chunked_cursor() if whole else connection.cursor() as cursor:
            cursor.execute(sql, [ids] * sql.count("%s"))
            while rows := cursor.fetchmany(DETAILS_BATCH):
                yield from (_task_gaps(row, self) for row in rows)


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


# Its overdue occurrence's last escalation step: the newest row is the furthest one.
_LAST_STEP = """
        LEFT JOIN {step} esc ON esc.id = (
            SELECT MAX(e.id) FROM {step} e WHERE e.task_id = t.id AND e.due_on = t.next_due_on
        )
        LEFT JOIN {person} ep ON ep.id = esc.person_id
"""


# The tasks whose details are read come as one value (an array, or JSON on SQLite), so that the
# statement's text is the same whatever their number and PostgreSQL prepares it once; with
# their place in the order given, which the rows come back in.
DETAILS_BATCH = 1000
# How many of a task's helpers its row names (the rest are counted), joined by a character no
# name holds.
HELPERS_NAMED = 5
_UNIT_SEPARATOR = chr(31)
# The tasks chosen, in the order given, by database and by whether the whole map is read. On
# PostgreSQL a few are looked up by their ids: joined to the list instead, the planner built
# every task's row first and kept the few at the end (66 rows: 555 ms at 100,000 tasks).
_IN_ORDER = {
    (True, True): "JOIN unnest(%s::bigint[]) WITH ORDINALITY AS given(id, place)"
    " ON given.id = t.id\nORDER BY given.place",
    (True, False): "WHERE t.id = ANY(%s)\nORDER BY array_position(%s, t.id)",
    (False, True): "JOIN json_each(%s) AS given ON given.value = t.id\nORDER BY given.key",
    (False, False): "JOIN json_each(%s) AS given ON given.value = t.id\nORDER BY given.key",
}


# Who helps with a task nobody owns, the first few by name (joined by {join_names}).
_HELPER_NAMES = """
               CASE WHEN f.owner_id IS NULL AND COALESCE(f.helpers, 0) > 0 THEN (
                   SELECT {join_names}
                   FROM (SELECT hp.name FROM {assignment} ha
                         JOIN {person} hp ON hp.id = ha.person_id
                         WHERE ha.task_id = t.id AND ha.role IN ({helper_roles})
                         ORDER BY hp.name LIMIT {helpers_named}) h
               ) END
"""


# The promises it repeats that changed since its place was confirmed, each as its fields joined
# by one character no text holds, and the promises by another ({join_changes}).
_PROMISE_CHANGES = """,
               CASE WHEN f.promises_unchecked > 0 THEN (
                   SELECT {join_changes}
                   FROM (SELECT pr.name || chr(31) || pl.checked_wording || chr(31)
                                || pr.wording || chr(31) || pl.checked_value || chr(31)
                                || pr.value || chr(31) || pl.place AS change
                         FROM {promise_link} pl JOIN {promise} pr ON pr.id = pl.promise_id
                         WHERE pl.task_id = t.id AND (pl.checked_wording <> pr.wording
                               OR pl.checked_value <> pr.value)
                         ORDER BY pr.name) c
               ) END
"""
_RECORD_SEPARATOR = chr(30)


@functools.cache
def _details_sql(whole: bool) -> str:
    """The details of the tasks given, in their order: a few, each with its own owner's load
    counted; or many, with every owner's counted once, as for the rules."""
    postgres = connection.vendor == "postgresql"
    vocabulary = _vocabulary()
    vocabulary["owner_load"] = _OWNER_LOADS.format_map(vocabulary) if whole else ""
    vocabulary["join_names"] = (
        "string_agg(h.name, chr(31) ORDER BY h.name)"
        if postgres
        else "group_concat(h.name, char(31))"
    )
    vocabulary["join_changes"] = (
        "string_agg(c.change, chr(30))" if postgres else "group_concat(c.change, char(30))"
    )
    owner_load = (
        "COALESCE(owner_load.critical, 0)" if whole else _OWNER_LOAD_OF_ROW.format_map(vocabulary)
    )
    return (
        """
        SELECT t.id, t.name, t.slug, s.name, t.criticality, t.rhythm, t.definition_of_done,
               t.version, t.created_at, t.next_due_on,
               op.id, op.name, op.email, op.departed_on, op.away_until, op.role_changed_at,
               bp.id, bp.name, bp.email, bp.departed_on, bp.away_until,
               COALESCE(f.helpers, 0), COALESCE(f.cross_team, FALSE),
               """
        + owner_load
        + """, t.last_confirmed_at,
               esc.number, esc.role, ep.name, esc.reached_on, t.attested_at, f.owner_confirmed_at,
               pol.attest_every_days,
               m.name, m.unit, m.direction, m.target, m.latest_value, m.latest_on, m.off_by,"""
        + _HELPER_NAMES
        + (_PROMISE_CHANGES if postgres else _PROMISE_CHANGES.replace("chr(31)", "char(31)"))
        + _DETAIL_FACTS
        + _LAST_STEP
        + "LEFT JOIN {policy} pol ON pol.criticality = t.criticality\n"
        + "LEFT JOIN {metric} m ON m.id = t.metric_id\n"
        + _IN_ORDER[postgres, whole]
    ).format_map(vocabulary)


def _person(pk, name, email, departed_on, away_until) -> PersonFacts | None:
    if pk is None:
        return None
    return PersonFacts(pk, name, email, _date(departed_on), _date(away_until))


def _step(number, role, person_name, on) -> StepFacts | None:
    reached_on = _date(on)
    if number is None or reached_on is None:
        return None
    return StepFacts(number, role, person_name, reached_on)


def _decimal(value: Decimal | float | str | None) -> Decimal | None:
    # SQLite returns a decimal read by raw SQL as a float or an integer.
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _metric(name, unit, direction, target, latest_value, latest_on, off_by) -> MetricFacts | None:
    if name is None:
        return None
    return MetricFacts(
        name, unit, direction, _decimal(target), _decimal(latest_value), _date(latest_on), off_by
    )


def _task_gaps(row: tuple, report: GapReport) -> TaskGaps:
    return TaskGaps(
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
        step=_step(*row[25:29]),
        attested_at=_datetime(row[29]),
        owner_since=_datetime(row[30]),
        attest_every_days=row[31] or settings.OWNERMAP_ATTEST_EVERY_DAYS[row[4]],
        gaps=list(report.gaps_of.get(row[0], ())),
        report=report,
        metric=_metric(*row[32:39]),
        helper_names=tuple(row[39].split(_UNIT_SEPARATOR)) if row[39] else (),
        promise_changes=tuple(
            PromiseChange(*change.split(_UNIT_SEPARATOR))
            for change in (row[40] or "").split(_RECORD_SEPARATOR)
            if change
        ),
    )


def active_tasks_filtered(
    *, stage: Stage | None = None, team: Team | None = None, metric: Metric | None = None
) -> QuerySet[Task]:
    """Active tasks, optionally of one stage, protecting one metric, or with someone from one
    team assigned."""
    tasks = Task.objects.filter(is_active=True)
    if stage is not None:
        tasks = tasks.filter(stage=stage)
    if metric is not None:
        tasks = tasks.filter(metric=metric)
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
    if tasks is None and stage is None and team is None:
        # The whole map by its own column: as a list of ids, PostgreSQL read every task twice
        # and joined the two (about 100 ms of 800 at 100,000 tasks).
        scope, scope_params = "f.is_active", []
    else:
        if tasks is None:
            tasks = active_tasks_filtered(stage=stage, team=team)
        ids_sql, ids_params = tasks.order_by().values("pk").query.sql_with_params()
        scope, scope_params = f"f.task_id IN ({ids_sql})", list(ids_params)
    compiled = _compile(RULES.rules)
    # Prepared once per connection (server-side binding, config/settings.py): planning this
    # statement cost several milliseconds on each load.
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql.format(scope=scope), [*compiled.values(on), *scope_params])
        rows = cursor.fetchall()

    gaps_of: dict[int, tuple[GapRule, ...]] = {}
    by_rule: dict[GapRule, list[int]] = {rule: [] for rule in RULES}
    covered = total = owned = 0
    # Read once: this loop runs for every active task, in the order of the ranking.
    found = compiled.found
    owner_here, uncovered, mask = compiled.owner_here, compiled.uncovered, compiled.rule_mask
    for pk, packed in rows:
        owned += bool(packed & owner_here)
        if packed & 3 <= 1:  # critical and high tasks are the ones coverage measures
            total += 1
            covered += bool(packed & owner_here) and not packed & uncovered
        rules = found.get(packed & mask)
        if rules is None:
            rules = compiled.rules_of(packed & mask)
        if rules:
            gaps_of[pk] = rules  # shared by every task with the same gaps: never changed
            for rule in rules:
                by_rule[rule].append(pk)
    ranked, shift = compiled.ranked, compiled.rank_shift
    if ranked is not None and by_rule[ranked]:
        # Stable: tasks ranked alike keep the map's order.
        rank = {pk: packed >> shift for pk, packed in rows if packed >> shift}
        by_rule[ranked].sort(key=lambda pk: -rank.get(pk, 0))
    return GapReport(
        on=on,
        task_count=len(rows),
        by_rule=by_rule,
        gaps_of=gaps_of,
        coverage=Coverage(covered, total),
        attested=Coverage(owned - len(by_rule.get(UNATTESTED, ())), owned),
    )


def task_gaps(task: Task, *, on: datetime.date) -> TaskGaps | None:
    """One task's gaps with their details (None for a retired task)."""
    report = gap_report(on=on, tasks=Task.objects.filter(pk=task.pk, is_active=True))
    rows = report.rows([task.pk]) if report.task_count else []
    return rows[0] if rows else None
