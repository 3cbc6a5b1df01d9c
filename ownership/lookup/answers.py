"""Answers: a ranked task as the lookup shows it, with who acts for it today, who to ask when
nobody does, and why it matched; and the same as data, for the command and the API."""

import datetime
import json
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from config.rendering import TemplateFields
from ownership.acting import Acting, acting_owner
from ownership.answerer import Answerer, Fallbacks, Involved, answerer
from ownership.contacts import Contact
from ownership.lookup.index import promise_lines
from ownership.lookup.words import PAIR, stem, tokens
from ownership.models import MatchField, Role
from tasks_registry.models import Criticality, Promise


@dataclass(frozen=True)
class TaskCard(TemplateFields):
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
class PromiseCard:
    """A promise the task owns, as an answer shows it."""

    name: str
    wording: str
    value: str
    url: str


_VIA = {"synonym": " (synonym)", "correction": " (spelling)", "prefix": "…"}


@dataclass(frozen=True)
class Match:
    """Why a task answered: a word (or phrase) of the query, the term it was found as, how
    (the word itself, the start of a longer word, a synonym, a correction, words side by side,
    a pattern), and where in the task."""

    word: str
    term: str
    how: str
    field: str
    text: str

    def as_data(self) -> dict[str, str]:
        return {
            "word": self.word,
            "term": self.term,
            "how": self.how,
            "field": self.field,
            "text": self.text,
        }

    def __str__(self) -> str:
        return f"{self.word}{_VIA.get(self.how, '')} → {self.text} ({self.field})"


@dataclass(frozen=True)
class Answer(TemplateFields):
    task: TaskCard
    owner: Contact | None
    backup: Contact | None
    acting: Acting
    # Who answers for it now (the acting owner, or whoever stands in: answerer.py).
    answerer: Answerer
    # The earliest occurrence not yet confirmed done (Task.next_due_on): past, it is overdue.
    next_due: datetime.date | None = None
    matched: list[Match] = field(default_factory=list)
    # The promises to customers it owns that the words were found in (with_promises).
    promises: tuple[PromiseCard, ...] = ()

    @cached_property
    def why(self) -> list[str]:
        """Why it matched, in as few words as say it: the words found in one place together
        ("refund, letter → refund letter (alias)"); words side by side add nothing to read."""
        places: dict[tuple[str, str, str], list[str]] = {}
        for match in self.matched:
            if match.how == "together":
                continue
            via = _VIA.get(match.how, "")
            words = places.setdefault((via, match.text, match.field), [])
            if match.word not in words:
                words.append(match.word)
        return [
            f"{', '.join(words)}{via} → {text} ({field})"
            for (via, text, field), words in places.items()
        ]

    @property
    def ask_instead(self) -> list[Contact]:
        """Whom to ask when nobody acts for it: who answers for it, if not the acting owner."""
        person = self.answerer.person
        return [person] if person is not None and not self.answerer.is_acting_owner else []

    @property
    def why_line(self) -> str:
        return "; ".join(self.why)

    @cached_property
    def matched_terms(self) -> frozenset[str]:
        """The terms to highlight in the task's text."""
        found = set()
        for match in self.matched:
            found.update(match.term.split("~"))
        return frozenset(found)


# --- Answers -------------------------------------------------------------------------------------


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value[:10]) if value else None


def _contact(item: list[Any], at: int = 1) -> Contact:
    """A contact from the ranking's array of an assignment (ranking.py): role, then the
    person's seven fields, their team's id and name, then their lead's seven fields."""
    pk, name, email, chat_handle, title, away_until, departed_on = item[at : at + 7]
    lead = at == 1 and item[10] is not None
    return Contact(
        pk=pk,
        name=name,
        email=email,
        chat_handle=chat_handle,
        title=title,
        away_until=_date(away_until),
        departed_on=_date(departed_on),
        team_pk=item[8] if at == 1 else None,
        team_name=item[9] if at == 1 else None,
        team_lead=_contact(item, 10) if lead else None,
    )


def _people(data: str | list | None) -> list[tuple[str, Contact]]:
    """(role, contact) pairs from the row's JSON of assignments."""
    items = json.loads(data) if isinstance(data, str) else (data or [])
    # SQLite aggregates a task with no assignments to [null].
    return [(item[0], _contact(item)) for item in items if item is not None]


def _permalink_prefix() -> str:
    """The permalinks' path up to the slug: one reverse() per lookup rather than one per card,
    a measurable share of rendering the results. Slugs are URL-safe as they are."""
    path = reverse("ownership:task_permalink", kwargs={"slug": "slug"})
    return path.removesuffix("slug")


@lru_cache(maxsize=20_000)
def _line_terms(line: str) -> frozenset[str]:
    return frozenset(stem(word) for word in tokens(line))


def _line_with(text: str, term: str) -> str | None:
    """The line of a one-per-line text in which the term (or both of a pair) stands."""
    wanted = set(term.split(PAIR))
    for line in text.splitlines():
        if wanted <= _line_terms(line):
            return line.strip()
    return None


def _matches(
    data: str | list | None, groups: list[str], task: TaskCard, aliases: str
) -> list[Match]:
    """Per group of the query, where it was found, as a Match."""
    items = json.loads(data) if isinstance(data, str) else (data or [])
    matches = []
    # One item per group the task matched, its strongest: [group, how, term, field].
    for grp, how, term, field_value in sorted(item for item in items if item is not None):
        field = MatchField(field_value)
        text: str | None
        if field == MatchField.NAME:
            text = task.name
        elif field == MatchField.ALIAS:
            text = _line_with(aliases, term)
        elif field == MatchField.DONE:
            text = _line_with(task.definition_of_done, term)
        else:
            text = None
        matches.append(Match(groups[grp], term, how, field.label, text or term.replace(PAIR, " ")))
    return matches


def answers_from_rows(rows: list[tuple], groups: list[str], on: datetime.date) -> list[Answer]:
    fallbacks = Fallbacks(on)  # read only if some task has nobody acting for it
    answers = []
    prefix = _permalink_prefix()
    for row in rows:
        pk, name, slug, criticality, rhythm, done, next_due, _, stage_name, stage_slug = row[:10]
        data, why, aliases, _score = row[10:]
        task = TaskCard(
            pk, name, slug, criticality, rhythm, done, stage_name, stage_slug, prefix + slug
        )
        people = _people(data)
        by_role = {role: person for role, person in people if role in (Role.OWNER, Role.BACKUP)}
        owner, backup = by_role.get(Role.OWNER), by_role.get(Role.BACKUP)
        acting = acting_owner(owner, backup, on)
        involved = [Involved(role, person) for role, person in people]
        answers_for_it = answerer(acting, involved, stage_slug, fallbacks)
        if isinstance(next_due, str):  # SQLite hands dates back as text
            next_due = datetime.date.fromisoformat(next_due)
        matched = _matches(why, groups, task, aliases)
        answers.append(Answer(task, owner, backup, acting, answers_for_it, next_due, matched))
    return answers


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


def answer_data(
    answer: Answer, *, base_url: str | None = None, query: str | None = None
) -> dict[str, Any]:
    """An answer as JSON. With the query, the url carries it, so that whoever opens the link
    teaches the lookup which task those words meant."""
    task = answer.task
    base = (base_url or settings.OWNERMAP_BASE_URL).rstrip("/")
    url = f"{base}{task.get_permalink()}"
    if query:
        url += "?" + urlencode({"q": query})
    return {
        "task": task.name,
        "slug": task.slug,
        "url": url,
        "stage": task.stage_name,
        "criticality": task.criticality,
        # Acting holds the answer's own contacts (answers_from_rows).
        "acting_owner": _person_data(cast(Contact | None, answer.acting.person)),
        "acting_reason": answer.acting.reason.value,
        "owner": _person_data(answer.owner),
        "backup": _person_data(answer.backup),
        "ask_instead": [_person_data(person) for person in answer.ask_instead],
        "answers_for_it": {
            "person": _person_data(cast(Contact | None, answer.answerer.person)),
            "reason": answer.answerer.reason.value,
            "because": answer.answerer.because,
        },
        "definition_of_done": task.definition_of_done,
        "rhythm": task.rhythm,
        "next_due": answer.next_due.isoformat() if answer.next_due else None,
        "matched": [match.as_data() for match in answer.matched],
        "promises": [
            {"name": p.name, "wording": p.wording, "value": p.value, "url": f"{base}{p.url}"}
            for p in answer.promises
        ],
    }


def with_promises(answers: list[Answer]) -> list[Answer]:
    """The answers found by the words of a promise their task owns, with those promises, and
    each such match naming the promise: one statement, only when some answer needs it."""
    field_label = MatchField.PROMISE.label
    wanted = [a.task.pk for a in answers if any(m.field == field_label for m in a.matched)]
    if not wanted:
        return answers
    owned: dict[int, list[tuple[Promise, frozenset[str]]]] = {}
    for promise in Promise.objects.filter(owning_task_id__in=wanted).order_by("name"):
        lines = promise_lines(promise.name, promise.kind, promise.wording, promise.value)
        found = frozenset().union(*(_line_terms(line) for line in lines))
        owned.setdefault(promise.owning_task_id, []).append((promise, found))
    shown = []
    for answer in answers:
        promises = owned.get(answer.task.pk)
        if not promises:
            shown.append(answer)
            continue
        matched, used = [], {}
        for match in answer.matched:
            if match.field == field_label:
                wanted_terms = set(match.term.split(PAIR))
                hit = next((p for p, terms in promises if wanted_terms <= terms), None)
                if hit is not None:
                    used[hit.pk] = hit
                    match = replace(match, text=hit.name)
            matched.append(match)
        cards = tuple(
            PromiseCard(p.name, p.wording, p.value, p.get_absolute_url()) for p in used.values()
        )
        shown.append(replace(answer, matched=matched, promises=cards))
    return shown
