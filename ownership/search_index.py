"""Keeps the lookup's index current: each active task's words, and the map's vocabulary.

A task is found by its name and aliases (weighted highest), by its systems, metric and the
names of its people and their teams, and by its description (lowest). Those live in three
tables, so the words are re-read whenever any of them changes.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ownership.models import Assignment, Person, SearchPosting, SearchWord, Team
from tasks_registry.models import Task

# What a word is worth by where it appears; a task's score for a query is the sum, over the
# query's words, of the best place each appears in.
WEIGHT_NAMES, WEIGHT_TEXT, WEIGHT_DESCRIPTION = 10, 4, 1
CRITICALITY_RANK = {"critical": 0, "high": 1, "normal": 2}
_WORD = re.compile(r"[a-z0-9]+")
_MAX_WORD = 64


def words_of(text: str) -> list[str]:
    """Lower-case ASCII words of two or more characters, accents folded, in order, once each."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    seen: dict[str, None] = {}
    for word in _WORD.findall(folded):
        if 2 <= len(word) <= _MAX_WORD:
            seen.setdefault(word, None)
    return list(seen)


def search_names_of(task: Task) -> str:
    """The names a task answers to best: its name and its aliases."""
    return " ".join([task.name, *task.alias_list])


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _weighted_words(task: Task, people: list[str]) -> dict[str, int]:
    weights: dict[str, int] = {}
    for weight, text in [
        (WEIGHT_DESCRIPTION, task.description),
        (WEIGHT_TEXT, " ".join([*task.system_list, task.metric, *people])),
        (WEIGHT_NAMES, task.search_names),
    ]:
        for word in words_of(text):
            weights[word] = max(weight, weights.get(word, 0))
    return weights


@transaction.atomic
def reindex_tasks(task_ids: Iterable[int]) -> None:
    """Rewrite the postings of these tasks and add any new words to the vocabulary."""
    ids = sorted(set(task_ids))
    if not ids:
        return
    people: dict[int, list[str]] = defaultdict(list)
    for task_id, person, team in Assignment.objects.filter(task_id__in=ids).values_list(
        "task_id", "person__name", "person__team__name"
    ):
        people[task_id].extend([person, team or ""])

    tasks = list(
        Task.objects.filter(pk__in=ids).only(
            "id",
            "name",
            "aliases",
            "systems",
            "metric",
            "description",
            "criticality",
            "is_active",
            "search_names",
        )
    )
    postings, vocabulary, renamed = [], set(), []
    for task in tasks:
        search_names = search_names_of(task)
        if task.search_names != search_names:
            task.search_names = search_names
            renamed.append(task)
        weights = _weighted_words(task, people[task.pk])
        vocabulary.update(weights)
        if task.is_active:  # retired tasks answer no lookups
            rank = CRITICALITY_RANK.get(task.criticality, len(CRITICALITY_RANK))
            postings.extend((word, task.pk, weight, rank) for word, weight in weights.items())
    Task.objects.bulk_update(renamed, ["search_names"], batch_size=1000)
    SearchPosting.objects.filter(task_id__in=ids).delete()
    _write_postings(postings)
    SearchWord.objects.bulk_create(
        [SearchWord(word=word) for word in sorted(vocabulary)],
        ignore_conflicts=True,
        batch_size=5000,
    )


def _write_postings(postings: list[tuple[str, int, int, int]]) -> None:
    """(word, task id, weight, criticality rank) rows. A map imported or generated in bulk has
    twenty-odd postings per task: PostgreSQL's COPY writes 200,000 of them in a fraction of
    the time the ORM takes to build and insert as many objects."""
    if not uses_postgres():
        SearchPosting.objects.bulk_create(
            [
                SearchPosting(word=word, task_id=task_id, weight=weight, criticality_rank=rank)
                for word, task_id, weight, rank in postings
            ],
            batch_size=5000,
        )
        return
    table = SearchPosting._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} (word, task_id, weight, criticality_rank) FROM STDIN"
        ) as copy,
    ):
        for row in postings:
            copy.write_row(row)


# Signal receivers keep the index in step with every write path (the app's write functions, the
# admin, data loads) without each of them having to remember. They only maintain derived data;
# no business rule lives here. Bulk loads that bypass signals call reindex_tasks() themselves.


@receiver(post_save, sender=Task, dispatch_uid="search_index_task_saved")
def _task_saved(sender, instance: Task, **kwargs) -> None:
    reindex_tasks([instance.pk])


@receiver(post_save, sender=Assignment, dispatch_uid="search_index_assignment_saved")
@receiver(post_delete, sender=Assignment, dispatch_uid="search_index_assignment_deleted")
def _assignment_changed(sender, instance: Assignment, **kwargs) -> None:
    reindex_tasks([instance.task_id])


@receiver(post_save, sender=Person, dispatch_uid="search_index_person_saved")
def _person_saved(sender, instance: Person, **kwargs) -> None:
    if kwargs.get("created"):
        return
    reindex_tasks(Assignment.objects.filter(person=instance).values_list("task_id", flat=True))


@receiver(post_save, sender=Team, dispatch_uid="search_index_team_saved")
def _team_saved(sender, instance: Team, **kwargs) -> None:
    if kwargs.get("created"):
        return
    reindex_tasks(
        Assignment.objects.filter(person__team=instance).values_list("task_id", flat=True)
    )
