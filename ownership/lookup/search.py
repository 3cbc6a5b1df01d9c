"""Who owns this? One function, `lookup()`, serves the search box, the results page, the
`whoowns` command and the JSON API: the tasks a query means, best first (ownership.lookup.
ranking), each with who acts for it today and why it matched (ownership.lookup.answers).

A pasted identifier (a URL, a promo code, a SKU, a template name, an error code) is first
matched against the tasks' patterns, the most specific pattern first, as CODEOWNERS does.
"""

import datetime
import difflib
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramWordDistance
from django.utils import timezone

from ownership.lookup import ranking
from ownership.lookup.answers import Answer, Match, answers_from_rows, with_promises
from ownership.lookup.index import uses_postgres
from tasks_registry import patterns
from tasks_registry.models import Task, TaskPattern

MAX_QUERY_CHARS = 200
MAX_LIMIT = 50


@dataclass(frozen=True)
class LookupResult:
    query: str
    words: list[str]
    answers: list[Answer]
    closest: list[Task]

    @property
    def is_empty_query(self) -> bool:
        return not self.words and not self.answers


def query_words(query: str) -> list[str]:
    """The words of a query that count (no stop words), as recorded for learning."""
    return ranking.parse(query[:MAX_QUERY_CHARS]).words


def lookup(query: str, *, limit: int = 8, on: datetime.date | None = None) -> LookupResult:
    """The tasks a query means, best first, each with who acts for it today."""
    on = on or timezone.localdate()
    limit = max(1, min(limit, MAX_LIMIT))
    parsed = ranking.parse(query[:MAX_QUERY_CHARS])
    by_pattern = pattern_matches(query) if patterns.looks_like_identifier(query) else {}
    if not parsed.words and not by_pattern:
        return LookupResult(query, [], [], [])
    answers = answers_from_rows(ranking.rank(parsed, limit, list(by_pattern)), parsed.groups, on)
    answers = with_promises(answers)
    if by_pattern:
        ident = patterns.identifier(query)
        for answer in answers:
            pattern = by_pattern.get(answer.task.pk)
            if pattern is not None:
                answer.matched.insert(0, Match(ident, pattern, "pattern", "pattern", pattern))
    closest = [] if answers else _closest(parsed.words)
    return LookupResult(query, parsed.words, answers, closest)


def answer_for(task: Task, *, on: datetime.date | None = None) -> Answer | None:
    """One task's answer as the lookup shows it, without a query: for an answer shared in a
    chat or a link unfurled there. None for a task no longer active."""
    if not task.is_active:
        return None
    rows = ranking.rank(ranking.Query([]), 1, [task.pk])
    answers = answers_from_rows(rows, [], on or timezone.localdate())
    return answers[0] if answers else None


def pattern_matches(text: str) -> dict[int, str]:
    """Task id → pattern of the active tasks whose patterns match the identifier, most
    specific first; one task once, by its most specific pattern."""
    ident = patterns.identifier(text)
    candidates = TaskPattern.objects.filter(
        literal_start__in=patterns.prefixes(ident), task__is_active=True
    ).values_list("task_id", "pattern")
    found = sorted(
        ((task_id, pattern) for task_id, pattern in candidates if patterns.matches(pattern, ident)),
        key=lambda row: (patterns.Specificity.of(row[1]), row[1]),
        reverse=True,
    )
    best: dict[int, str] = {}
    for task_id, pattern in found:
        best.setdefault(task_id, pattern)
    return best


def _closest(words: list[str], count: int = 3) -> list[Task]:
    """Nothing matched: the tasks whose names come nearest, to offer instead of a blank."""
    if not words:
        return []
    phrase = " ".join(words)
    if uses_postgres():
        return list(
            Task.objects.filter(is_active=True)
            .annotate(distance=TrigramWordDistance(phrase, "search_names"))
            .filter(distance__lt=0.8)
            .order_by("distance", "name")
            .select_related("stage")[:count]
        )
    names = dict(Task.objects.filter(is_active=True).values_list("name", "pk"))
    close = difflib.get_close_matches(phrase, list(names), count, 0.5)
    by_pk = Task.objects.select_related("stage").in_bulk([names[name] for name in close])
    return [by_pk[names[name]] for name in close]
