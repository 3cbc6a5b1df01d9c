"""Keeps the lookup's index current: each active task's terms with their weights, how many
tasks hold each term, and the map's vocabulary.

A posting's weight is BM25F's: a term's count in each field of the task, times the field's
weight, divided by the field's length relative to a typical length for that field, summed,
then saturated (a tenth mention adds little). Lengths are normalised against fixed typical
lengths rather than the map's averages, so that saving one task rewrites only its own postings.
How rare a term is (inverse document frequency) is applied when ranking, from SearchTerm.

The fields (MatchField): the name and aliases weigh most, then words people learned to use for
the task, the promises to customers it owns, the definition of done, systems, metric, people and
teams, and the description least.
Neighbouring terms of the name, aliases, learned words and definition of done are indexed as
pairs too, so that words typed together rank text where they stand together.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ownership.derived import receivers_paused
from ownership.lookup.words import pairs, stem, terms, tokens
from ownership.models import (
    Assignment,
    MatchField,
    Person,
    PhraseStatus,
    SearchPosting,
    SearchTerm,
    SearchWord,
    TaskPhrase,
    Team,
)
from tasks_registry.models import Metric, Promise, PromiseKind, Task, split_lines

CRITICALITY_RANK = {"critical": 0, "high": 1, "normal": 2}
ALL_TASKS = ""  # SearchTerm's row for the number of active tasks
K1 = 1.2


@dataclass(frozen=True)
class FieldWeight:
    boost: float
    typical_length: int  # in terms
    b: float  # how much length matters, 0 to 1
    pairs: bool  # index neighbouring terms as pairs


FIELD_WEIGHTS = {
    MatchField.NAME: FieldWeight(3.0, 4, 0.5, True),
    MatchField.ALIAS: FieldWeight(2.5, 3, 0.5, True),
    MatchField.LEARNED: FieldWeight(2.5, 3, 0.5, True),
    MatchField.DONE: FieldWeight(1.2, 20, 0.75, True),
    MatchField.SYSTEMS: FieldWeight(1.0, 3, 0.5, False),
    MatchField.METRIC: FieldWeight(1.0, 3, 0.5, False),
    MatchField.PEOPLE: FieldWeight(0.8, 8, 0.5, False),
    MatchField.DESCRIPTION: FieldWeight(0.6, 15, 0.75, False),
    # "How many days for returns": the promise's name, wording and value find its owning task.
    MatchField.PROMISE: FieldWeight(2.0, 12, 0.75, True),
}


def search_names_of(task: Task) -> str:
    """The names a task answers to best: its name and its aliases."""
    return " ".join([task.name, *task.alias_list])


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _field_terms(field: MatchField, texts: list[str]) -> list[str]:
    """The field's terms; pairs only within one line (one alias is not the next one's
    neighbour)."""
    found: list[str] = []
    for text in texts:
        stems = terms(text)
        found += stems
        if FIELD_WEIGHTS[field].pairs:
            found += pairs(stems)
    return found


def metric_name(task: Task) -> str:
    return task.metric.name if task.metric_id is not None and task.metric else ""


def promise_lines(name: str, kind: str, wording: str, value: str) -> list[str]:
    """A promise as the lookup reads it: each line one place a term may be found."""
    return [name, f"{PromiseKind(kind).label} {value}", wording]


def task_fields(
    task: Task, people: list[str], learned: list[str], promises: list[str] | None = None
) -> dict[MatchField, list[str]]:
    return {
        MatchField.NAME: _field_terms(MatchField.NAME, [task.name]),
        MatchField.ALIAS: _field_terms(MatchField.ALIAS, task.alias_list),
        MatchField.LEARNED: _field_terms(MatchField.LEARNED, learned),
        MatchField.DONE: _field_terms(MatchField.DONE, split_lines(task.definition_of_done)),
        MatchField.SYSTEMS: _field_terms(MatchField.SYSTEMS, task.system_list),
        MatchField.METRIC: _field_terms(MatchField.METRIC, [metric_name(task)]),
        MatchField.PEOPLE: _field_terms(MatchField.PEOPLE, people),
        MatchField.DESCRIPTION: _field_terms(MatchField.DESCRIPTION, [task.description]),
        MatchField.PROMISE: _field_terms(MatchField.PROMISE, promises or []),
    }


def posting_weights(fields: dict[MatchField, list[str]]) -> dict[str, tuple[float, MatchField]]:
    """Each term's saturated BM25F weight in the task, and the best field it is found in."""
    weighted: dict[str, float] = defaultdict(float)
    best: dict[str, MatchField] = {}
    for field, found in fields.items():
        if not found:
            continue
        weight = FIELD_WEIGHTS[field]
        norm = 1 - weight.b + weight.b * len(found) / weight.typical_length
        for term, count in Counter(found).items():
            weighted[term] += weight.boost * count / norm
            best[term] = min(best.get(term, field), field)
    return {
        term: (round(value * (K1 + 1) / (value + K1), 4), best[term])
        for term, value in weighted.items()
    }


# Tasks reindexed together: a query's ids stay well under PostgreSQL's 65,535 parameters, and a
# bulk load's postings (about fifty a task) are held for one batch at a time, not the whole map.
REINDEX_BATCH = 2000


@transaction.atomic
def reindex_tasks(task_ids: Iterable[int]) -> None:
    """Rewrite the postings of these tasks, the counts of the terms they had or have, and add
    any new words to the vocabulary."""
    ids = sorted(set(task_ids))
    if not ids:
        return
    changed: set[str] = set()
    vocabulary: set[str] = set()
    for start in range(0, len(ids), REINDEX_BATCH):
        changed |= _reindex_batch(ids[start : start + REINDEX_BATCH], vocabulary)
    _count_terms(changed, whole_map=len(ids) > 1000)
    SearchWord.objects.bulk_create(
        [SearchWord(word=word, stem=stem(word)) for word in sorted(vocabulary)],
        ignore_conflicts=True,
        batch_size=5000,
    )


def _reindex_batch(ids: list[int], vocabulary: set[str]) -> set[str]:
    """Rewrite these tasks' postings and add their words to `vocabulary`; the terms they had
    or have now, whose counts change."""
    people: dict[int, list[str]] = defaultdict(list)
    for task_id, person, team in Assignment.objects.filter(task_id__in=ids).values_list(
        "task_id", "person__name", "person__team__name"
    ):
        people[task_id].extend([person, team or ""])
    learned: dict[int, list[str]] = defaultdict(list)
    for task_id, words in TaskPhrase.objects.filter(
        task_id__in=ids, status=PhraseStatus.LEARNED
    ).values_list("task_id", "words"):
        learned[task_id].append(words)
    promises: dict[int, list[str]] = defaultdict(list)
    for task_id, *promise in Promise.objects.filter(owning_task_id__in=ids).values_list(
        "owning_task_id", "name", "kind", "wording", "value"
    ):
        promises[task_id].extend(promise_lines(*promise))

    tasks = list(
        Task.objects.filter(pk__in=ids)
        .select_related("metric")
        .only(
            "id",
            "name",
            "aliases",
            "systems",
            "metric__name",
            "description",
            "definition_of_done",
            "criticality",
            "is_active",
            "search_names",
        )
    )
    postings: list[tuple[str, int, float, int, int]] = []
    renamed: list[Task] = []
    for task in tasks:
        search_names = search_names_of(task)
        if task.search_names != search_names:
            task.search_names = search_names
            renamed.append(task)
        if not task.is_active:  # retired tasks answer no lookups
            continue
        fields = task_fields(task, people[task.pk], learned[task.pk], promises[task.pk])
        rank = CRITICALITY_RANK.get(task.criticality, len(CRITICALITY_RANK))
        for term, (weight, field) in posting_weights(fields).items():
            postings.append((term, task.pk, weight, int(field), rank))
        for text in [task.name, *task.alias_list, task.definition_of_done, *people[task.pk]]:
            vocabulary.update(word for word in tokens(text) if len(word) >= 3)
        vocabulary.update(
            tokens(
                " ".join(
                    [*task.system_list, metric_name(task), task.description, *promises[task.pk]]
                )
            )
        )
    Task.objects.bulk_update(renamed, ["search_names"], batch_size=1000)
    old_terms = set(
        SearchPosting.objects.filter(task_id__in=ids).values_list("word", flat=True).distinct()
    )
    SearchPosting.objects.filter(task_id__in=ids).delete()
    _write_postings(postings)
    return old_terms | {term for term, *_ in postings}


def _count_terms(changed: set[str], *, whole_map: bool) -> None:
    """Bring the task counts of these terms, and of all active tasks, up to date. A large
    reindex counts every term in one pass rather than term by term."""
    if whole_map:
        SearchTerm.objects.all().delete()
        counts = SearchPosting.objects.values_list("word").annotate(tasks=Count("task_id"))
        rows = [SearchTerm(term=term, tasks=count) for term, count in counts.order_by()]
    else:
        counted = dict(
            SearchPosting.objects.filter(word__in=changed)
            .values_list("word")
            .annotate(tasks=Count("task_id"))
            .order_by()
        )
        rows = [SearchTerm(term=term, tasks=counted.get(term, 0)) for term in sorted(changed)]
    rows.append(SearchTerm(term=ALL_TASKS, tasks=Task.objects.filter(is_active=True).count()))
    SearchTerm.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["term"],
        update_fields=["tasks"],
        batch_size=5000,
    )


def _write_postings(postings: list[tuple[str, int, float, int, int]]) -> None:
    """(term, task id, weight, field, criticality rank) rows. A map imported or generated in
    bulk has dozens of postings per task: PostgreSQL's COPY writes 300,000 of them in a
    fraction of the time the ORM takes to build and insert as many objects."""
    if not uses_postgres():
        SearchPosting.objects.bulk_create(
            [
                SearchPosting(
                    word=term, task_id=task_id, weight=weight, field=field, criticality_rank=rank
                )
                for term, task_id, weight, field, rank in postings
            ],
            batch_size=5000,
        )
        return
    table = SearchPosting._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} (word, task_id, weight, field, criticality_rank) FROM STDIN"
        ) as copy,
    ):
        for row in postings:
            copy.write_row(row)


# Signal receivers keep the index in step with every write path (the app's write functions, the
# admin, data loads) without each of them having to remember. They only maintain derived data;
# no business rule lives here. Bulk loads that bypass signals call reindex_tasks() themselves.
def _reindex(task_ids: Iterable[int]) -> None:
    if not receivers_paused():
        reindex_tasks(task_ids)


@receiver(post_save, sender=Task, dispatch_uid="search_index_task_saved")
def _task_saved(sender: type, instance: Task, **kwargs: Any) -> None:
    _reindex([instance.pk])


@receiver(post_save, sender=Assignment, dispatch_uid="search_index_assignment_saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="search_index_assignment_deleted")
def _assignment_changed(sender: type, instance: Assignment, **kwargs: Any) -> None:
    _reindex([instance.task_id])


@receiver(post_save, sender=Person, dispatch_uid="search_index_person_saved")
def _person_saved(sender: type, instance: Person, **kwargs: Any) -> None:
    if kwargs.get("created"):
        return
    _reindex(Assignment.objects.filter(person=instance).values_list("task_id", flat=True))


@receiver(post_save, sender=Metric, dispatch_uid="search_index_metric_saved")
def _metric_saved(sender: type, instance: Metric, **kwargs: Any) -> None:
    # Its tasks are found by its name: only a new name changes what they are found by.
    fields = kwargs.get("update_fields")
    if kwargs.get("created") or (fields is not None and "name" not in fields):
        return
    _reindex(Task.objects.filter(metric=instance).values_list("pk", flat=True))


@receiver(post_save, sender=Promise, dispatch_uid="search_index_promise_saved")
@receiver(post_delete, sender=Promise, dispatch_uid="search_index_promise_deleted")
def _promise_changed(sender: type, instance: Promise, **kwargs: Any) -> None:
    # Found through the task that owns it, and the one that did before a new owner.
    owners = {instance.owning_task_id}
    if "owning_task" in (kwargs.get("update_fields") or ()):
        before = instance.history.order_by("-history_date", "-history_id")[1:2]
        owners.update(before.values_list("owning_task_id", flat=True))
    _reindex(owners)


@receiver(post_save, sender=Team, dispatch_uid="search_index_team_saved")
def _team_saved(sender: type, instance: Team, **kwargs: Any) -> None:
    if kwargs.get("created"):
        return
    _reindex(Assignment.objects.filter(person__team=instance).values_list("task_id", flat=True))
