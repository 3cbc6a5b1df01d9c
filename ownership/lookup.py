"""Who owns this? Find tasks from the words people actually use, and answer with who acts.

One function, `lookup()`, serves the search box, the results page, the `whoowns` command and
the JSON API. The rules are the same on both databases, because the same SQL runs on both over
the postings that ownership.search_index keeps:

- every query word counts, in any order; a word may be the start of a longer one (typing), a
  plural or another ending ("refunds", "damaged"), or slightly misspelt — corrected against the
  vocabulary of the map (a trigram index on PostgreSQL, difflib on SQLite);
- a word found in the name or an alias is worth 10, in systems, metric, people or teams 4, in the
  description 1; a task scores the sum over the query's words of the best place each is found;
- critical tasks, then high ones, break ties.
"""

import datetime
import difflib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import TrigramWordDistance
from django.db.models import Value
from django.urls import reverse
from django.utils import timezone

from config.db import prepared_cursor
from ownership.acting import Acting, acting_owner, is_available
from ownership.models import Person, Presence, Role, SearchWord
from ownership.search_index import uses_postgres, words_of
from tasks_registry.models import Criticality, Task

MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_LIMIT = 50
CORRECTIONS_PER_WORD = 3

# Words that carry no meaning in "who owns this?" questions; as prefixes they would match
# almost every task ("is" → "issue", "my" → "mystery").
STOP_WORDS = frozenset(
    """a an and any are as at be but by can could did do does doesn don for from get got has have
    how if in into is isn it its me my no not of on or our own owns so still that the their them
    then there they this to was wasn we what when where which who whom why will with won would you
    your says said""".split()
)


@dataclass(frozen=True)
class Contact(Presence):
    """A person as an answer shows them. Lighter than a Person: a lookup builds dozens."""

    pk: int
    name: str
    email: str
    chat_handle: str
    title: str
    away_until: datetime.date | None
    departed_on: datetime.date | None
    team_pk: int | None = None
    team_name: str | None = None
    team_lead: "Contact | None" = None

    @classmethod
    def of(cls, person: Person) -> "Contact":
        return cls(
            person.pk,
            person.name,
            person.email,
            person.chat_handle,
            person.title,
            person.away_until,
            person.departed_on,
            person.team_id,
            person.team.name if person.team else None,
        )


@dataclass(frozen=True)
class TaskCard:
    """A task as an answer shows it."""

    pk: int
    name: str
    slug: str
    criticality: str
    rhythm: str
    definition_of_done: str
    stage_name: str
    stage_slug: str
    permalink: str

    def get_permalink(self) -> str:
        return self.permalink

    def get_criticality_display(self) -> str:
        return Criticality(self.criticality).label


@dataclass(frozen=True)
class Answer:
    task: TaskCard
    owner: Contact | None
    backup: Contact | None
    acting: Acting
    ask_instead: list[Contact] = field(default_factory=list)
    # The earliest occurrence not yet confirmed done (Task.next_due_on): past, it is overdue.
    next_due: datetime.date | None = None


@dataclass(frozen=True)
class LookupResult:
    query: str
    words: list[str]
    answers: list[Answer]
    closest: list[Task]

    @property
    def is_empty_query(self) -> bool:
        return not self.words


def query_words(query: str) -> list[str]:
    words = [word for word in words_of(query[:MAX_QUERY_CHARS]) if word not in STOP_WORDS]
    return words[:MAX_WORDS]


def lookup(query: str, *, limit: int = 8, on: datetime.date | None = None) -> LookupResult:
    """The tasks a query means, best first, each with who acts for it today."""
    on = on or timezone.localdate()
    limit = max(1, min(limit, MAX_LIMIT))
    words = query_words(query)
    if not words:
        return LookupResult(query, [], [], [])
    answers = _answers(_rank(words, limit), on)
    closest = [] if answers else _closest(words)
    return LookupResult(query, words, answers, closest)


# --- Words ---------------------------------------------------------------------------------------


def stem(word: str) -> str:
    """Cut one common ending, so that the rest matches every form as a prefix:
    "refunds" → "refund", "damaged" → "damag", "shipping" → "shipp", "boxes" → "box".

    When no word of the map starts with the stem (a typo), the closest words of the map's
    vocabulary are searched for too: a trigram index on PostgreSQL, difflib on SQLite."""
    for suffix, cut in (("ches", 2), ("shes", 2), ("xes", 2), ("ing", 3), ("ed", 2), ("s", 1)):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - cut >= 3:
            return word[:-cut]
    return word


def _corrections_sqlite(words: list[str], stems: list[str]) -> dict[int, list[str]]:
    vocabulary = list(SearchWord.objects.values_list("word", flat=True))
    return {
        group: difflib.get_close_matches(word, vocabulary, CORRECTIONS_PER_WORD, 0.75)
        for group, (word, word_stem) in enumerate(zip(words, stems, strict=True))
        if not any(known.startswith(word_stem) for known in vocabulary)
    }


# --- Ranking -------------------------------------------------------------------------------------

# Each query word is a group of prefixes: its stem, and on PostgreSQL the typo corrections,
# joined in the same statement.
_PG_FORMS = """
    q AS (SELECT * FROM unnest(%s::int[], %s::text[], %s::text[]) AS q(grp, word, stem)),
    forms AS (
        SELECT grp, stem AS form FROM q
        UNION
        SELECT q.grp, correction.word FROM q
        CROSS JOIN LATERAL (
            SELECT w.word FROM ownership_searchword w
            WHERE w.word %% q.word ORDER BY w.word <-> q.word LIMIT %s
        ) correction
        -- Only for a word no active task has a word starting with: one probe of the btree
        -- that the ranking scans (a LIKE through the trigram index cost ~0.3 ms a lookup).
        WHERE NOT EXISTS (
            SELECT 1 FROM ownership_searchposting p
            WHERE p.word ~>=~ q.stem AND p.word ~<~ (q.stem || '{')
        )
    ),
    matched AS (
        SELECT forms.grp, posting.task_id, posting.weight, posting.criticality_rank
        FROM forms CROSS JOIN LATERAL (
            SELECT task_id, weight, criticality_rank FROM ownership_searchposting
            WHERE word ~>=~ forms.form AND word ~<~ (forms.form || '{')
        ) posting
    ),
"""
# SQLite compares text byte by byte, as the pattern operators above do on PostgreSQL.
_SQLITE_MATCHED = """
    matched AS (
        SELECT forms.grp, posting.task_id, posting.weight, posting.criticality_rank
        FROM forms JOIN ownership_searchposting posting
          ON posting.word >= forms.form AND posting.word < (forms.form || '{')
    ),
"""
_RANKED = """
    ranked AS (
        SELECT task_id, {score} AS score, MIN(criticality_rank) AS crit FROM matched
        GROUP BY task_id ORDER BY score DESC, crit LIMIT %s
    ),
    top AS (
        SELECT ranked.task_id, ranked.score, ranked.crit, task.name
        FROM ranked JOIN tasks_registry_task task ON task.id = ranked.task_id
        ORDER BY ranked.score DESC, ranked.crit, task.name, ranked.task_id
        LIMIT %s
    )
    SELECT task.id, task.name, task.slug, task.criticality, task.rhythm,
           task.definition_of_done, task.next_due_on, stage.id, stage.name, stage.slug,
           (SELECT {agg}({obj}(
                'role', a.role, 'id', p.id, 'name', p.name, 'email', p.email,
                'chat_handle', p.chat_handle, 'title', p.title, 'away_until', p.away_until,
                'departed_on', p.departed_on, 'team_id', team.id, 'team', team.name,
                'lead_id', lead.id, 'lead_name', lead.name, 'lead_email', lead.email,
                'lead_chat_handle', lead.chat_handle, 'lead_title', lead.title,
                'lead_away_until', lead.away_until, 'lead_departed_on', lead.departed_on))
            FROM ownership_assignment a
            JOIN ownership_person p ON p.id = a.person_id
            LEFT JOIN ownership_team team ON team.id = p.team_id
            LEFT JOIN ownership_person lead ON lead.id = team.lead_id
            WHERE a.task_id = task.id) AS people
    FROM top
    JOIN tasks_registry_task task ON task.id = top.task_id
    JOIN tasks_registry_stage stage ON stage.id = task.stage_id
    ORDER BY top.score DESC, top.crit, top.name, top.task_id
"""
# Names order ties only among this many times the limit of best-scored tasks; it keeps the
# join to tasks off the thousands of weak matches a common word like "order" has.
_POOL = 5


@cache
def _score(word_count: int) -> str:
    """Each query word's best weight (a task may match a prefix with several words, "order" and
    "orders"), summed in one pass over the matches."""
    return " + ".join(
        f"COALESCE(MAX(weight) FILTER (WHERE grp = {group}), 0)" for group in range(word_count)
    )


@cache
def _pg_rank_sql(word_count: int) -> str:
    # One text per word count, each planned once per connection (config/db.py).
    score = _score(word_count)
    return (
        "WITH " + _PG_FORMS + _RANKED.format(agg="json_agg", obj="json_build_object", score=score)
    )


def _rank(words: list[str], limit: int) -> list[tuple]:
    """The best tasks for the words, best first, as rows of task, stage and people (JSON).

    Ranking: the sum over query words of the best weight each is found with. A word matches
    every indexed word that starts with its stem: words_of makes both [a-z0-9]+, and "{" sorts
    after those, so [stem, stem + "{") is exactly that set. One statement does it all, because on
    a request this fast each round trip to the database is a sizeable share of the time.
    """
    stems = [stem(word) for word in words]
    pool = limit * _POOL
    if uses_postgres():
        params = [list(range(len(words))), words, stems, CORRECTIONS_PER_WORD, pool, limit]
        with prepared_cursor() as cursor:
            cursor.execute(_pg_rank_sql(len(words)), params)
            return cursor.fetchall()
    corrections = _corrections_sqlite(words, stems)
    forms = [
        (group, form)
        for group, word_stem in enumerate(stems)
        for form in dict.fromkeys([word_stem, *corrections.get(group, [])])
    ]
    values = ", ".join(["(%s, %s)"] * len(forms))
    ranked = _RANKED.format(agg="json_group_array", obj="json_object", score=_score(len(words)))
    sql = f"WITH forms(grp, form) AS (VALUES {values}), " + _SQLITE_MATCHED + ranked
    with prepared_cursor() as cursor:
        cursor.execute(sql, [value for pair in forms for value in pair] + [pool, limit])
        return cursor.fetchall()


# --- Answers -------------------------------------------------------------------------------------


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value[:10]) if value else None


def _contact(item: dict[str, Any], prefix: str = "") -> Contact:
    return Contact(
        pk=item[f"{prefix}id"],
        name=item[f"{prefix}name"],
        email=item[f"{prefix}email"],
        chat_handle=item[f"{prefix}chat_handle"],
        title=item[f"{prefix}title"],
        away_until=_date(item[f"{prefix}away_until"]),
        departed_on=_date(item[f"{prefix}departed_on"]),
        team_pk=None if prefix else item["team_id"],
        team_name=None if prefix else item["team"],
        team_lead=None if prefix or item["lead_id"] is None else _contact(item, "lead_"),
    )


def _people(data: str | list | None) -> list[tuple[str, Contact]]:
    """(role, contact) pairs from the row's JSON of assignments."""
    items = json.loads(data) if isinstance(data, str) else (data or [])
    # SQLite aggregates a task with no assignments to [null].
    return [(item["role"], _contact(item)) for item in items if item is not None]


def _permalink_prefix() -> str:
    """The permalinks' path up to the slug: one reverse() per lookup rather than one per card,
    a measurable share of rendering the results. Slugs are URL-safe as they are."""
    path = reverse("ownership:task_permalink", kwargs={"slug": "slug"})
    return path.removesuffix("slug")


def _answers(rows: list[tuple], on: datetime.date) -> list[Answer]:
    ops_leads: list[Contact] | None = None
    answers = []
    prefix = _permalink_prefix()
    for row in rows:
        pk, name, slug, criticality, rhythm, done, next_due, _, stage_name, stage_slug, data = row
        task = TaskCard(
            pk, name, slug, criticality, rhythm, done, stage_name, stage_slug, prefix + slug
        )
        people = _people(data)
        by_role = {role: person for role, person in people if role in (Role.OWNER, Role.BACKUP)}
        owner, backup = by_role.get(Role.OWNER), by_role.get(Role.BACKUP)
        acting = acting_owner(owner, backup, on)
        ask_instead: list[Contact] = []
        if acting.person is None:
            ask_instead = _ask_instead(people, on)
            if not ask_instead:
                if ops_leads is None:
                    ops_leads = _ops_leads(on)
                ask_instead = ops_leads
        if isinstance(next_due, str):  # SQLite hands dates back as text
            next_due = datetime.date.fromisoformat(next_due)
        answers.append(Answer(task, owner, backup, acting, ask_instead, next_due))
    return answers


# Whose team's lead to ask, by the part the team's people play in the task.
_ROLE_WEIGHT = {Role.CONTRIBUTOR: 3, Role.CHECKER: 3, Role.CONSULTED: 1, Role.INFORMED: 1}


def _ask_instead(people: list[tuple[str, Contact]], on: datetime.date) -> list[Contact]:
    """For a task nobody acts for: its escalation contacts, then the leads of the teams doing
    the work, most involved first."""
    chosen: dict[int, Contact] = {}
    for role, person in people:
        if role == Role.ESCALATION and is_available(person, on):
            chosen.setdefault(person.pk, person)
    weights: Counter = Counter()
    leads: dict[int, Contact | None] = {}
    for role, person in people:
        if person.team_pk is not None:
            leads[person.team_pk] = person.team_lead
            weights[person.team_pk] += _ROLE_WEIGHT.get(role, 0)
    for team_pk, _weight in weights.most_common():
        lead = leads[team_pk]
        if lead is not None and is_available(lead, on):
            chosen.setdefault(lead.pk, lead)
    return list(chosen.values())[:2]


def _ops_leads(on: datetime.date) -> list[Contact]:
    people = Person.objects.filter(
        user__groups__name="Ops leads", user__is_active=True
    ).select_related("team")
    return [Contact.of(person) for person in people if is_available(person, on)][:3]


def _closest(words: list[str], count: int = 3) -> list[Task]:
    """Nothing matched: the tasks whose names come nearest, to offer instead of a blank."""
    phrase = " ".join(words)
    if uses_postgres():
        return list(
            Task.objects.filter(is_active=True)
            .annotate(distance=TrigramWordDistance(Value(phrase), "search_names"))
            .filter(distance__lt=0.8)
            .order_by("distance", "name")
            .select_related("stage")[:count]
        )
    names = dict(Task.objects.filter(is_active=True).values_list("name", "pk"))
    close = difflib.get_close_matches(phrase, list(names), count, 0.5)
    by_pk = Task.objects.select_related("stage").in_bulk([names[name] for name in close])
    return [by_pk[names[name]] for name in close]


# --- As data, for the command and the API ---------------------------------------------------------


def _person_data(person: Contact | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {
        "name": person.name,
        "email": person.email,
        "chat_handle": person.chat_handle,
        "title": person.title,
        "team": person.team_name,
    }


def answer_data(answer: Answer, *, base_url: str | None = None) -> dict[str, Any]:
    task = answer.task
    base = (base_url or settings.OWNERMAP_BASE_URL).rstrip("/")
    return {
        "task": task.name,
        "slug": task.slug,
        "url": f"{base}{task.get_permalink()}",
        "stage": task.stage_name,
        "criticality": task.criticality,
        "acting_owner": _person_data(answer.acting.person),
        "acting_reason": answer.acting.reason.value,
        "owner": _person_data(answer.owner),
        "backup": _person_data(answer.backup),
        "ask_instead": [_person_data(person) for person in answer.ask_instead],
        "definition_of_done": task.definition_of_done,
        "rhythm": task.rhythm,
        "next_due": answer.next_due.isoformat() if answer.next_due else None,
    }
