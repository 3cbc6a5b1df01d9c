"""The map as sheet rows: in the import's own format (so that exporting and importing again
changes nothing), and the RACI matrix."""

from collections import defaultdict

from django.db.models import QuerySet

from ownership.map import RACI_LETTERS, RaciMatrix
from ownership.models import Assignment, Person, Role
from ownership.sheets.columns import COLUMNS, HEADER, LABELS, join_words, promise_cell
from tasks_registry.models import PromiseLink, Task


def person_cell(person: Person) -> str:
    """Name and email: unambiguous on the way back in, whoever else shares the name."""
    return f"{person.name} <{person.email}>"


def map_table(tasks: QuerySet[Task]) -> tuple[list[str], list[list[str]]]:
    """One row per task in stage and name order; three queries."""
    tasks = list(tasks.select_related("stage", "metric").order_by("stage__order", "name", "pk"))
    people: dict[int, dict[str, list[Person]]] = defaultdict(lambda: defaultdict(list))
    ids = [task.pk for task in tasks]
    for start in range(0, len(ids), 900):
        assignments = (
            Assignment.objects.filter(task_id__in=ids[start : start + 900])
            .select_related("person")
            .order_by("person__name", "person__pk")
        )
        for assignment in assignments:
            people[assignment.task_id][assignment.role].append(assignment.person)
    promises: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        links = PromiseLink.objects.filter(task_id__in=ids[start : start + 900]).order_by(
            "promise__name", "pk"
        )
        for task_id, name, place in links.values_list("task_id", "promise__name", "place"):
            promises[task_id].append(promise_cell(name, place))
    rows = []
    for task in tasks:
        cells = {
            "task": task.name,
            "stage": task.stage.name,
            "criticality": task.get_criticality_display(),
            "rhythm": task.rhythm,
            "definition_of_done": "\n".join(task.done_checklist),
            "aliases": join_words(task.alias_list),
            "patterns": join_words(task.pattern_list),
            "systems": join_words(task.system_list),
            "metric": task.metric.name if task.metric else "",
            "promises": join_words(promises[task.pk]),
            "description": task.description,
        }
        for column in COLUMNS:
            if column.role is not None:
                cells[column.name] = join_words(
                    [person_cell(person) for person in people[task.pk][column.role]]
                )
        rows.append([cells[name] for name in HEADER])
    return LABELS, rows


def raci_table(matrix: RaciMatrix) -> tuple[list[str], list[list[str]]]:
    header = ["Task", "Stage", *(person.name for person in matrix.people)]
    rows = [[task.name, task.stage.name, *letters] for task, letters in matrix.rows]
    legend = "; ".join(f"{letter} = {Role(role).label}" for role, letter in RACI_LETTERS.items())
    return header, [*rows, [], ["Legend", legend]]
