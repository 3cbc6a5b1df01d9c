"""The dry run: what importing a sheet would create and change, and every problem in it, by row
and column, in words. Nothing here writes; apply.py writes a plan with no problems."""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from ownership.assignments import PAIRED_ROLES
from ownership.models import Assignment, Person, Role
from ownership.sheets.columns import (
    BY_NAME,
    PEOPLE_COLUMNS,
    Column,
    column_of,
    looks_like_formula,
    normalise_text,
    promise_cell,
    split_people,
    split_promise,
    split_words,
    unescape,
)
from ownership.sheets.files import Table
from tasks_registry import rhythms
from tasks_registry.changes import EDITABLE_FIELDS, pattern_lines
from tasks_registry.metrics import name_key
from tasks_registry.models import (
    Criticality,
    Promise,
    PromiseLink,
    Stage,
    Task,
    TaskPattern,
    split_lines,
)

_NAMED_EMAIL = re.compile(r"^(?P<name>[^<>]*)<(?P<email>[^<>]*)>$")
_MAX = {"task": 200, "metric": 100, "person": 150, "email": 254}
# The task's own fields a sheet sets (its name identifies the row; retiring is not a column).
TASK_FIELDS = tuple(name for name in EDITABLE_FIELDS if name not in ("name", "is_active"))


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the file as a whole
    column: str | None
    message: str

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class PersonRef:
    """Someone a cell names: a person on the map (pk), or one the import adds (pk None)."""

    email: str
    name: str
    pk: int | None = None


@dataclass
class RowPlan:
    row: int
    name: str
    task: Task | None  # the task the row updates; None for a new one
    values: dict[str, Any] = field(default_factory=dict)  # fields to write
    people: dict[Role, list[PersonRef]] = field(default_factory=dict)  # roles to set
    changes: list[str] = field(default_factory=list)  # in words, for the preview
    action: str = "create"  # or "update", "unchanged": decided by the dry run
    # The promises it repeats, by id, with where (None: the sheet leaves them as they are).
    promises: dict[int, str] | None = None


@dataclass
class ImportPlan:
    file_name: str
    columns: list[str]
    unknown_columns: list[str]
    rows: list[RowPlan]
    problems: list[Problem]
    new_people: list[PersonRef]
    # What each row found on the map, by the row's task name in lower case: the task's id, its
    # version and its people, or None for a task the row would create. Applying compares it
    # with the map then (ownership/sheets/uploads.py), so a stale preview overwrites nothing.
    read: dict[str, list | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        actions = [row.action for row in self.rows]
        return {
            "created": actions.count("create"),
            "updated": actions.count("update"),
            "unchanged": actions.count("unchanged"),
            "people_created": len(self.new_people),
        }

    def as_json(self) -> dict:
        return {
            "file": self.file_name,
            "ok": self.ok,
            "counts": self.counts,
            "unknown_columns": self.unknown_columns,
            "errors": [problem.as_json() for problem in self.problems],
            "people_created": [{"name": p.name, "email": p.email} for p in self.new_people],
            "read": self.read,
            "rows": [
                {"row": row.row, "task": row.name, "action": row.action, "changes": row.changes}
                for row in self.rows
                if row.action != "unchanged"
            ],
        }


class _Map:
    """What the plan compares the sheet with, read once: stages, tasks, people, assignments."""

    def __init__(self, task_names: set[str]) -> None:
        self.stages = list(Stage.objects.order_by("order", "pk"))
        self.stage_by_key = {}
        for stage in self.stages:
            self.stage_by_key[stage.name.lower()] = stage
            self.stage_by_key[stage.slug] = stage
        # Only the tasks the sheet names (by name or slug), so a small sheet reads little.
        names = sorted(task_names)
        tasks = []
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            tasks += (
                Task.objects.select_related("stage", "metric")
                .annotate(lower_name=Lower("name"))
                .filter(Q(lower_name__in=chunk) | Q(slug__in=chunk))
            )
        self.task_by_name = {task.name.lower(): task for task in tasks}
        # Every claimed pattern and its task's name: one sheet may claim any of them.
        self.pattern_owner = dict(TaskPattern.objects.values_list("pattern", "task__name"))
        self.pattern_rows: dict[str, int] = {}  # the sheet's row that claims each pattern
        self.task_by_slug = {task.slug: task for task in tasks}
        self.people = {p.pk: p for p in Person.objects.only("name", "email", "departed_on")}
        self.person_by_email = {p.email.lower(): p for p in self.people.values()}
        self.people_by_name = defaultdict(list)
        for person in self.people.values():
            self.people_by_name[person.name.lower()].append(person)
        self.assigned: dict[int, dict[Role, list[int]]] = defaultdict(lambda: defaultdict(list))
        ids = sorted({task.pk for task in tasks})
        for start in range(0, len(ids), 900):
            for task_id, role, person_id in Assignment.objects.filter(
                task_id__in=ids[start : start + 900]
            ).values_list("task_id", "role", "person_id"):
                self.assigned[task_id][Role(role)].append(person_id)
        # A store makes a handful of promises: all of them, and the places the tasks hold.
        self.promise_by_name = {p.name.lower(): p for p in Promise.objects.only("name")}
        self.places: dict[int, dict[int, str]] = defaultdict(dict)
        for start in range(0, len(ids), 900):
            for task_id, promise_id, place in PromiseLink.objects.filter(
                task_id__in=ids[start : start + 900]
            ).values_list("task_id", "promise_id", "place"):
                self.places[task_id][promise_id] = place

    def task_named(self, name: str) -> Task | None:
        return self.task_by_name.get(name.lower()) or self.task_by_slug.get(name.lower())


class _Planner:
    def __init__(self, table: Table, file_name: str) -> None:
        self.file_name = file_name
        self.problems: list[Problem] = []
        self.today = timezone.localdate()
        self.columns: dict[str, int] = {}
        self.unknown: list[str] = []
        for index, header in enumerate(table.headers):
            name = column_of(header)
            if name in BY_NAME and name not in self.columns:
                self.columns[name] = index
            elif header:
                self.unknown.append(header)
        self.new_people: dict[str, PersonRef] = {}
        self.new_by_name: dict[str, list[PersonRef]] = {}  # filled once the first pass is done
        self._rhythms: dict[str, str | rhythms.RhythmError] = {}
        self._texts: dict[str, str] = {}

    def one_copy(self, text: str) -> str:
        """The same text for every row that has it: a large sheet repeats its definitions of
        done, aliases and systems thousands of times."""
        return self._texts.setdefault(text, text)

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(row, column, message))

    # --- Cells -----------------------------------------------------------------------------

    def cells(self, number: int, cells: list[str]) -> dict[str, str | None]:
        """The row's cells by column, unescaped; None for a cell that cannot be used (with its
        problem recorded), so that the rest of the row is still checked."""
        found: dict[str, str | None] = {}
        for name, index in self.columns.items():
            raw = cells[index] if index < len(cells) else ""
            found[name] = usable_cell(raw)
            if "\x00" in raw:
                self.problem(number, name, "The cell holds a NUL character; retype it.")
            elif looks_like_formula(raw):
                self.problem(
                    number,
                    name,
                    f"“{raw[:60]}” looks like a spreadsheet formula, which Ownermap does not "
                    "run: type the value itself (or start the cell with an apostrophe).",
                )
        return found

    # --- People ----------------------------------------------------------------------------

    def person_token(
        self, number: int, column: str, token: str, map_: _Map
    ) -> PersonRef | str | None:
        match = _NAMED_EMAIL.match(token)
        if match or "@" in token:
            name = match["name"].strip().strip('"') if match else ""
            email = (match["email"] if match else token).strip().lower()
            try:
                validate_email(email)
                if len(email) > _MAX["email"]:
                    raise ValidationError("too long")
            except ValidationError:
                self.problem(number, column, f"“{email or token}” is not an email address.")
                return None
            existing = map_.person_by_email.get(email)
            if existing is not None:
                return PersonRef(existing.email, existing.name, existing.pk)
            if email in self.new_people:
                return self.new_people[email]
            namesakes = map_.people_by_name.get(name.lower(), []) if name else []
            if namesakes:
                self.problem(
                    number,
                    column,
                    f"{namesakes[0].name} is already on the map as {namesakes[0].email}: give "
                    "that email, or a name that tells the two apart.",
                )
                return None
            name = name or _name_from_email(email)
            if len(name) > _MAX["person"]:
                self.problem(number, column, f"A name is at most {_MAX['person']} characters.")
                return None
            person = PersonRef(email, name)
            self.new_people[email] = person
            return person
        return token  # a bare name: resolved once every row's new people are known

    def person_named(self, number: int, column: str, name: str, map_: _Map) -> PersonRef | None:
        matches = map_.people_by_name.get(name.lower(), [])
        new = self.new_by_name.get(name.lower(), [])
        if len(matches) + len(new) == 1:
            if matches:
                return PersonRef(matches[0].email, matches[0].name, matches[0].pk)
            return new[0]
        if matches or new:
            self.problem(
                number,
                column,
                f"{len(matches) + len(new)} people are called “{name}”: give the email of the "
                "one you mean, as “Name <email>”.",
            )
            return None
        known = [p.name for p in map_.people.values()] + [p.name for p in self.new_people.values()]
        closest = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        hint = f" Did you mean “{closest[0]}”?" if closest else ""
        self.problem(
            number,
            column,
            f"Nobody called “{name}” is on the map.{hint} To add someone new, give their email "
            f"too: “{name} <name@example.com>”.",
        )
        return None

    # --- Task fields -------------------------------------------------------------------------

    def _rhythm(self, typed: str) -> str | rhythms.RhythmError:
        if typed not in self._rhythms:
            try:
                self._rhythms[typed] = rhythms.normalise(typed)
            except rhythms.RhythmError as error:
                self._rhythms[typed] = error
        return self._rhythms[typed]

    def _stage(self, number: int, typed: str, task: Task | None, map_: _Map):
        if not typed:
            if task is None:
                names = ", ".join(f"“{stage.name}”" for stage in map_.stages)
                self.problem(number, "stage", f"A new task needs a stage: one of {names}.")
            return None
        stage = map_.stage_by_key.get(typed.lower())
        if stage is None:
            closest = difflib.get_close_matches(
                typed.lower(), [s.name.lower() for s in map_.stages], n=1, cutoff=0.5
            )
            if closest:
                best = next(s for s in map_.stages if s.name.lower() == closest[0])
                hint = f"the closest is “{best.name}”."
            else:
                hint = "the stages are " + ", ".join(f"“{s.name}”" for s in map_.stages) + "."
            self.problem(number, "stage", f"There is no stage “{typed}”; {hint}")
        return stage

    def _criticality(self, number: int, typed: str) -> str | None:
        if not typed:
            return None
        for value, label in Criticality.choices:
            if typed.lower() in (value, label.lower()):
                return value
        options = ", ".join(label.lower() for _, label in Criticality.choices)
        self.problem(number, "criticality", f"“{typed}” is not a criticality: use {options}.")
        return None

    def _patterns(self, number: int, cell: str, task: Task | None, map_: _Map) -> str | None:
        """The row's patterns as stored, or None after naming the problem at the cell: a
        pattern that cannot be used, or one another task (on the map or the sheet) claims."""
        try:
            lines = pattern_lines("\n".join(split_words(cell)))
        except ValidationError as error:
            self.problem(number, "patterns", error.message_dict["patterns"][0])
            return None
        for pattern in split_lines(lines):
            owner = map_.pattern_owner.get(pattern)
            earlier = map_.pattern_rows.setdefault(pattern, number)
            if owner is not None and (task is None or owner != task.name):
                self.problem(number, "patterns", f"“{pattern}” already belongs to “{owner}”.")
                return None
            if earlier != number:
                self.problem(number, "patterns", f"“{pattern}” is also claimed on row {earlier}.")
                return None
        return lines

    def task_values(self, number: int, cells: dict[str, str], task: Task | None, map_: _Map):
        """The fields the row sets, as they would be stored."""
        values: dict[str, Any] = {}
        bad = {name for name, cell in cells.items() if cell is None}
        cells = {name: cell for name, cell in cells.items() if cell is not None}
        if ("stage" in cells or task is None) and "stage" not in bad:
            stage = self._stage(number, cells.get("stage", ""), task, map_)
            if stage is not None:
                values["stage"] = stage
        if "criticality" in cells:
            criticality = self._criticality(number, cells["criticality"])
            if criticality is not None:
                values["criticality"] = criticality
        if task is None:
            values.setdefault("criticality", Criticality.NORMAL)
        if "rhythm" in cells:
            rhythm = self._rhythm(cells["rhythm"])
            if isinstance(rhythm, rhythms.RhythmError):
                message = str(rhythm)
                if rhythms.EXPECTED not in message:
                    message = f"{message} {rhythms.EXPECTED}"
                self.problem(number, "rhythm", message)
            else:
                values["rhythm"] = rhythm
        for name in ("definition_of_done", "description"):
            if name in cells:
                values[name] = self.one_copy(normalise_text(cells[name]))
        for name in ("aliases", "systems"):
            if name in cells:
                values[name] = self.one_copy("\n".join(split_words(cells[name])))
        if "patterns" in cells:
            claimed = self._patterns(number, cells["patterns"], task, map_)
            if claimed is not None:
                values["patterns"] = claimed
        if "promises" in cells:
            values["promises"] = self._promises(number, cells["promises"], task, map_)
        if "metric" in cells:
            if len(cells["metric"]) > _MAX["metric"]:
                self.problem(number, "metric", f"A metric is at most {_MAX['metric']} characters.")
            else:
                # A name: a metric the map lacks is made when the sheet is applied.
                values["metric"] = " ".join(cells["metric"].split())
        return values

    def _promises(self, number: int, cell: str, task: Task | None, map_: _Map) -> dict[int, str]:
        """The promises a row's task repeats, each on the map, with where (what the task says
        already if the cell does not)."""
        found: dict[int, str] = {}
        held = map_.places.get(task.pk, {}) if task is not None else {}
        for item in split_words(cell):
            name, place = split_promise(item, set(map_.promise_by_name))
            promise = map_.promise_by_name.get(name.lower())
            if promise is None:
                closest = difflib.get_close_matches(
                    name.lower(), list(map_.promise_by_name), n=1, cutoff=0.6
                )
                hint = (
                    f" Did you mean “{map_.promise_by_name[closest[0]].name}”?" if closest else ""
                )
                self.problem(
                    number,
                    "promises",
                    f"There is no promise “{name}”.{hint} Add it on the Promises page first.",
                )
                continue
            place = place or held.get(promise.pk, "")
            if not place:
                self.problem(
                    number,
                    "promises",
                    f"Say where the task repeats “{promise.name}”: "
                    f"“{promise_cell(promise.name, 'FAQ › Shipping')}”.",
                )
            elif len(place) > 200:
                self.problem(number, "promises", "Where it appears is at most 200 characters.")
            elif promise.pk in found:
                self.problem(number, "promises", f"“{promise.name}” is named twice.")
            else:
                found[promise.pk] = place
        return found


def _promises_shown(places: dict[int, str], map_: _Map) -> str:
    names = {promise.pk: promise.name for promise in map_.promise_by_name.values()}
    cells = sorted(promise_cell(names[pk], place) for pk, place in places.items())
    return "; ".join(cells) or "(none)"


def usable_cell(raw: str) -> str | None:
    """A cell's value unescaped, or None for one that cannot be used: a NUL character, or what
    looks like a spreadsheet formula (_Planner.cells says why, at the cell)."""
    if "\x00" in raw or looks_like_formula(raw):
        return None
    return unescape(raw)


def _name_from_email(email: str) -> str:
    local = email.split("@", 1)[0]
    return " ".join(part.capitalize() for part in re.split(r"[._\-+]+", local) if part) or email


def _same(field_name: str, current: Any, new: Any) -> bool:
    if field_name in ("aliases", "systems", "patterns"):
        return split_lines(current) == split_lines(new)
    if field_name in ("definition_of_done", "description"):
        return normalise_text(current) == new
    if field_name == "metric":
        return name_key(str(current or "")) == name_key(new)
    return current == new


def _shown(field_name: str, value: Any) -> str:
    if field_name in ("aliases", "systems", "patterns"):
        return "; ".join(split_lines(value)) or "(none)"
    if field_name in ("definition_of_done", "description"):
        return " / ".join(split_lines(value)) or "(none)"
    if field_name == "criticality":
        return Criticality(value).label
    return str(value) if value not in ("", None) else "(none)"


_LABELS = {
    "stage": "Stage",
    "criticality": "Criticality",
    "rhythm": "Rhythm",
    "definition_of_done": "Definition of done",
    "aliases": "Aliases",
    "patterns": "Patterns",
    "systems": "Systems",
    "metric": "Metric",
    "description": "Description",
}


def plan_import(table: Table, file_name: str) -> ImportPlan:
    """Compare the sheet with the map: what each row would do, and what is wrong with it."""
    planner = _Planner(table, file_name)
    if "task" not in planner.columns:
        planner.problem(
            1,
            None,
            "No “task” column: row 1 must name the columns, and one of them must be “task” "
            "(the task's name).",
        )
        return ImportPlan(file_name, [], planner.unknown, [], planner.problems, [])

    # The rows' cells are read as each row is planned, not all kept at once beside the sheet
    # (at 100,000 rows they weighed as much again as the sheet itself).
    task_column = planner.columns["task"]
    names = {
        name.strip().lower()
        for _, raw in table.rows
        if task_column < len(raw) and (name := usable_cell(raw[task_column]))
    }
    map_ = _Map(names)

    # First pass: names, task fields, and the people cells split into tokens (new people given
    # with an email are known after this pass, so later rows can name them).
    seen: dict[str, int] = {}
    parsed: list[Any] = []
    for number, raw in table.rows:
        cells = planner.cells(number, raw)
        if cells["task"] is None:
            continue  # its problem is recorded
        name = cells["task"].strip()
        if not name:
            planner.problem(number, "task", "The task's name is empty: every row needs one.")
            continue
        if len(name) > _MAX["task"]:
            planner.problem(number, "task", f"A task's name is at most {_MAX['task']} characters.")
            continue
        if name.lower() in seen:
            planner.problem(
                number,
                "task",
                f"“{name}” is also on row {seen[name.lower()]}: one row per task.",
            )
            continue
        seen[name.lower()] = number
        task = map_.task_named(name)
        values = planner.task_values(number, cells, task, map_)
        tokens = {}
        for column in PEOPLE_COLUMNS:
            if cells.get(column.name) is not None:
                tokens[column] = [
                    planner.person_token(number, column.name, token, map_)
                    for token in split_people(cells[column.name])
                ]
        parsed.append((number, name, task, values, tokens))

    for person in planner.new_people.values():
        planner.new_by_name.setdefault(person.name.lower(), []).append(person)
    plans = []
    for at, (number, name, task, values, tokens) in enumerate(parsed):
        parsed[at] = None  # planned: its tokens need not stay
        plan = RowPlan(row=number, name=name, task=task)
        if task is not None and task.slug != name.lower() and task.name != name:
            values["name"] = name  # the same name in other letter case
        people = _resolve_people(planner, number, tokens, map_)
        _describe(planner, plan, values, people, map_)
        plans.append(plan)
    return ImportPlan(
        file_name=file_name,
        columns=list(planner.columns),
        unknown_columns=planner.unknown,
        rows=plans,
        problems=sorted(
            planner.problems, key=lambda p: (p.row or 0, planner.columns.get(p.column, -1))
        ),
        new_people=list(planner.new_people.values()),
        read={plan.name.lower(): _found(plan.task, map_) for plan in plans},
    )


def _found(task: Task | None, map_: _Map) -> list | None:
    """What a row found: the task, its version and its people, in a form JSON keeps as is."""
    if task is None:
        return None
    people = sorted([role.value, pk] for role, pks in map_.assigned[task.pk].items() for pk in pks)
    return [task.pk, task.version, people]


def _resolve_people(
    planner: _Planner, number: int, tokens: dict[Column, list], map_: _Map
) -> dict[Role, list[PersonRef]]:
    people: dict[Role, list[PersonRef]] = {}
    for column, found in tokens.items():
        refs = []
        for token in found:
            if isinstance(token, str):
                token = planner.person_named(number, column.name, token, map_)
            if token is not None and token not in refs:
                refs.append(token)
        if column.role in PAIRED_ROLES and len(refs) > 1:
            planner.problem(
                number,
                column.name,
                f"One {column.name} per task: this cell names {len(refs)} "
                f"({', '.join(ref.name for ref in refs)}). Put the others under contributors.",
            )
            continue
        people[column.role] = refs
    owner, backup = people.get(Role.OWNER), people.get(Role.BACKUP)
    if owner and backup and owner[0] == backup[0]:
        planner.problem(
            number,
            "backup",
            f"{owner[0].name} is both owner and backup: the backup must be someone else, who "
            "can step in when the owner is away.",
        )
    return people


def _check_still_here(planner: _Planner, plan: RowPlan, role: Role, map_: _Map) -> None:
    """Someone who has left cannot be given a task; one who left owning it stays, for the
    dashboard to flag and the handover to settle (so an export imports back unchanged)."""
    for ref in plan.people.get(role, ()):
        person = map_.people.get(ref.pk) if ref.pk else None
        if person is not None and person.has_departed(planner.today):
            planner.problem(
                plan.row,
                role.value,
                f"{person.name} left on {person.departed_on:%-d %b %Y} and cannot be the "
                f"{role.label.lower()}; name someone who is still here.",
            )


def _describe(
    planner: _Planner,
    plan: RowPlan,
    values: dict,
    people: dict[Role, list[PersonRef]],
    map_: _Map,
) -> None:
    task = plan.task
    promises = values.pop("promises", None)
    if promises is not None and promises != (map_.places.get(task.pk, {}) if task else {}):
        plan.promises = promises
        if task is not None:
            was = _promises_shown(map_.places.get(task.pk, {}), map_)
            plan.changes.append(f"Promises: {was} → {_promises_shown(promises, map_)}")
    if task is None:
        plan.values = values
        plan.people = {role: refs for role, refs in people.items() if refs}
        for role in PAIRED_ROLES:
            _check_still_here(planner, plan, role, map_)
        plan.action = "create"
        return
    for field_name in ("name", *TASK_FIELDS):
        if field_name not in values:
            continue
        current = getattr(task, field_name)
        if not _same(field_name, current, values[field_name]):
            plan.values[field_name] = values[field_name]
            label = _LABELS.get(field_name, "Name")
            plan.changes.append(
                f"{label}: {_shown(field_name, current)} → {_shown(field_name, values[field_name])}"
            )
    assigned = map_.assigned.get(task.pk, {})
    for column in PEOPLE_COLUMNS:
        if column.role not in people:
            continue
        refs = people[column.role]
        before = [map_.people[pk] for pk in assigned.get(column.role, [])]
        before_keys = {person.email.lower() for person in before}
        after_keys = {ref.email for ref in refs}
        if before_keys == after_keys:
            continue
        plan.people[column.role] = refs
        if column.role in PAIRED_ROLES:
            _check_still_here(planner, plan, column.role, map_)
            was = before[0].name if before else "(nobody)"
            now = refs[0].name if refs else "(nobody)"
            plan.changes.append(f"{column.role.label}: {was} → {now}")
        else:
            added = [ref.name for ref in refs if ref.email not in before_keys]
            removed = [p.name for p in before if p.email.lower() not in after_keys]
            words = []
            if added:
                words.append("added " + ", ".join(added))
            if removed:
                words.append("removed " + ", ".join(removed))
            plan.changes.append(f"{column.label}: {'; '.join(words)}")
    plan.action = "update" if plan.changes else "unchanged"
