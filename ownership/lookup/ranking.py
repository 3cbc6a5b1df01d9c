"""Ranking: which active tasks a query means, best first, in one statement on PostgreSQL (two
on SQLite, which corrects typos in Python).

A query is a list of groups, one per meaningful word typed, plus one per phrase that the
thesaurus knows and one per pair of neighbouring words. Each group has forms, each with a
factor:

- the word's stem (1.0); for the last word, also every longer term it starts (PREFIX), since it
  may be the word being typed;
- the thesaurus's expansions of the word, or of a phrase it starts (EXPANSION_WEIGHT);
- when its stem is no term of the map, the nearest words of the vocabulary (CORRECTION);
- a pair of neighbouring stems (PAIR_BONUS), found where the text has them side by side.

A task's score is the sum over groups of its best form: factor * the posting's BM25F weight *
the term's inverse document frequency, ln(1 + (N - n + 0.5) / (n + 0.5)) with N the active
tasks and n those holding the term. Critical tasks, then high ones, break ties, then names.
"""

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from django.db import connection

from ownership.lookup.index import ALL_TASKS, uses_postgres
from ownership.lookup.thesaurus import MAX_PHRASE_WORDS
from ownership.lookup.words import is_asker, is_meaningful, pairs, stem, tokens
from ownership.models import SearchTerm, SearchWord

MAX_WORDS = 8
PREFIX = 0.5
CORRECTION = 0.7
PAIR_BONUS = 0.5
CORRECTIONS_PER_WORD = 3
# Only words this long are corrected, and only to words with the same first letter: a short or
# differently-starting word is more often a real word the map lacks ("need", "lot", "missing")
# than a typo, and correcting it finds false friends ("feed", "lost", "issuing").
MIN_CORRECTED = 5
# Trigram similarity a correction needs on PostgreSQL (pg_trgm's own threshold, 0.3, let a
# real word through: "bread" → "brew"); about as strict as difflib's 0.75 on SQLite.
MIN_SIMILARITY = 0.5
# Names order ties only among this many times the limit of best-scored tasks; it keeps the
# join to tasks off the thousands of weak matches a common word like "order" has.
_POOL = 5


@dataclass
class Query:
    """A query as the ranking statement takes it."""

    words: list[str]  # the meaningful words typed, in order (one group each)
    forms: list[dict] = field(default_factory=list)  # {grp, term, factor, how, prefix}
    phrases: list[dict] = field(default_factory=list)  # {grp, phrase}: thesaurus look-ups
    groups: list[str] = field(default_factory=list)  # what each group stands for, as typed

    def as_json(self) -> tuple[str, str]:
        return json.dumps(self.forms), json.dumps(self.phrases)


def parse(text: str) -> Query:
    """Groups and forms of a query: one group per meaningful word (at most MAX_WORDS), one
    per phrase of two to four words (stop words included: "where is my order", and left out:
    "send this back"), one per pair of neighbouring meaningful words."""
    all_words = tokens(text)[: MAX_WORDS * 3]
    meaningful = [
        (at, word)
        for at, word in enumerate(all_words)
        if is_meaningful(word) and not is_asker(all_words, at)
    ]
    meaningful = meaningful[:MAX_WORDS]
    query = Query([word for _, word in meaningful])
    last = len(meaningful) - 1
    for grp, (_, word) in enumerate(meaningful):
        query.groups.append(word)
        query.forms.append(
            {"grp": grp, "term": stem(word), "factor": 1.0, "how": "word", "prefix": grp == last}
        )
        query.phrases.append({"grp": grp, "phrase": stem(word)})
    grp = len(meaningful)
    stems = [stem(word) for word in all_words]
    for start in range(len(all_words)):
        for size in range(2, MAX_PHRASE_WORDS + 1):
            if start + size > len(all_words):
                break
            words = all_words[start : start + size]
            if not is_meaningful(words[0]) and not is_meaningful(words[-1]):
                continue
            query.phrases.append({"grp": grp, "phrase": " ".join(stems[start : start + size])})
            query.groups.append(" ".join(words))
            grp += 1
    # The same phrases without the little words between: "send this back" means "send back".
    for start in range(len(meaningful)):
        for size in range(2, MAX_PHRASE_WORDS + 1):
            chosen = meaningful[start : start + size]
            if len(chosen) < size:
                break
            if chosen[-1][0] - chosen[0][0] == size - 1:
                continue  # side by side as typed: a phrase above already
            query.phrases.append({"grp": grp, "phrase": " ".join(stems[at] for at, _ in chosen)})
            query.groups.append(" ".join(word for _, word in chosen))
            grp += 1
    for (_, first), (_, second), pair in zip(
        meaningful, meaningful[1:], pairs([stem(w) for _, w in meaningful]), strict=False
    ):
        query.forms.append(
            {"grp": grp, "term": pair, "factor": PAIR_BONUS, "how": "together", "prefix": False}
        )
        query.groups.append(f"{first} {second}")
        grp += 1
    return query


# --- The statement -------------------------------------------------------------------------------

_PG_INPUT = """
    q AS (SELECT * FROM json_to_recordset(%s::json)
          AS q(grp int, term text, factor float8, how text, prefix bool, surface text)),
    ph AS (SELECT * FROM json_to_recordset(%s::json) AS ph(grp int, phrase text)),
    pins AS (SELECT * FROM json_to_recordset(%s::json) AS pins(task_id int, boost float8)),
"""
_SQLITE_INPUT = """
    q AS (SELECT value ->> 'grp' AS grp, value ->> 'term' AS term, value ->> 'factor' AS factor,
                 value ->> 'how' AS how, value ->> 'prefix' AS prefix FROM json_each(%s)),
    ph AS (SELECT value ->> 'grp' AS grp, value ->> 'phrase' AS phrase FROM json_each(%s)),
    pins AS (SELECT value ->> 'task_id' AS task_id, value ->> 'boost' AS boost
             FROM json_each(%s)),
"""
# PostgreSQL corrects a word no term of the map is, against the vocabulary's trigram index;
# SQLite's corrections come in as forms from Python (difflib).
_PG_CORRECTIONS = """
        UNION ALL
        SELECT unknown.grp, correction.stem, {correction}, 'correction'
        FROM (
            -- Only words no term of the map is (nor starts, for the word being typed): the
            -- filter comes first, so known words never reach the trigram search.
            SELECT q.grp, q.surface FROM q
            WHERE q.how = 'word' AND length(q.surface) >= {min_length} AND NOT EXISTS (
                SELECT 1 FROM ownership_searchterm t
                WHERE t.term ~>=~ q.term AND t.term ~<~ (q.term || '{{')
                  AND t.tasks > 0 AND (q.prefix OR t.term = q.term)
            )
            OFFSET 0
        ) unknown
        CROSS JOIN LATERAL (
            SELECT w.word, w.stem FROM ownership_searchword w
            WHERE w.word %% unknown.surface AND left(w.word, 1) = left(unknown.surface, 1)
              AND similarity(w.word, unknown.surface) >= {similarity}
            ORDER BY w.word <-> unknown.surface LIMIT {per_word}
        ) correction
"""
_RANK = """
    forms AS (
        SELECT grp, term, factor, how FROM q
        UNION ALL
        SELECT q.grp, t.term, q.factor * {prefix}, 'prefix' FROM q
        {completions}
        UNION ALL
        SELECT ph.grp, e.term, e.weight, 'synonym' FROM ph
        {expansions}
        -- A word typed counts as itself, not again as a synonym of a phrase it stands in.
        WHERE e.term NOT IN (SELECT term FROM q WHERE how = 'word')
        {corrections}
    ),
    capped AS (
        SELECT grp, term, factor, how,
               CASE WHEN how IN ('word', 'together') THEN {word_cap} ELSE {other_cap} END AS cap
        FROM forms
    ),
    matched AS ({matched}),
    -- Each task's strongest match per group, the row that says why it matched.
    best AS ({best}),
    ranked AS (
        SELECT task_id, SUM(s) AS score, MIN(crit) AS crit FROM (
            SELECT task_id, s, crit FROM best
            UNION ALL
            SELECT task_id, boost, 0 FROM pins
        ) scored
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
           -- Arrays, not objects: a third less to build and to parse, on every keystroke.
           (SELECT {agg}({array}(
                a.role, p.id, p.name, p.email, p.chat_handle, p.title, p.away_until,
                p.departed_on, team.id, team.name, lead.id, lead.name, lead.email,
                lead.chat_handle, lead.title, lead.away_until, lead.departed_on))
            FROM ownership_assignment a
            JOIN ownership_person p ON p.id = a.person_id
            LEFT JOIN ownership_team team ON team.id = p.team_id
            {lead_join}
            WHERE a.task_id = task.id) AS people,
           (SELECT {agg}({array}(m.grp, m.how, m.term, m.field))
            FROM best m WHERE m.task_id = task.id) AS why,
           task.aliases, top.score
    FROM top
    JOIN tasks_registry_task task ON task.id = top.task_id
    JOIN tasks_registry_stage stage ON stage.id = task.stage_id
    ORDER BY top.score DESC, top.crit, top.name, top.task_id
"""


# Each form contributes through its strongest postings only: WORD_CAP for a word typed (or a
# pair), OTHER_CAP for a synonym, completion or correction. A term held by more tasks than that
# has little weight anyway (IDF), and a query with many synonyms would otherwise aggregate tens
# of thousands of rows a keystroke.
WORD_CAP, OTHER_CAP = 40, 10
# A phrase leads to at most this many terms ("cutoff" has 21 through its entries), the
# strongest first: whole meanings before the single words of a longer one.
EXPANSIONS_PER_PHRASE = 8
_COLUMNS = "capped.grp, capped.how, capped.term, p.task_id, p.field, p.criticality_rank"
_IDF = "ln(1 + ({greatest}(n.tasks - {tasks}, 0) + 0.5) / ({tasks} + 0.5))"
_ALL_TASKS = "CROSS JOIN (SELECT tasks FROM ownership_searchterm WHERE term = '{all_tasks}') n"
# PostgreSQL probes the indexes once per form: joined plainly, the planner (which cannot know
# how few forms a query has) hashed all 500,000 postings of a 10,000-task map, and the whole
# vocabulary and thesaurus, on every keystroke. OFFSET 0 keeps a subquery from being
# flattened into such a join.
_PG_MATCHED = f"""
        SELECT {_COLUMNS}, t.w * p.weight AS s
        FROM capped
        {_ALL_TASKS}
        -- The form's factor times its term's IDF, once per form rather than once per posting.
        CROSS JOIN LATERAL (
            SELECT capped.factor * {_IDF.format(greatest="GREATEST", tasks="tasks")} AS w
            FROM ownership_searchterm WHERE term = capped.term OFFSET 0
        ) t
        CROSS JOIN LATERAL (
            SELECT task_id, weight, field, criticality_rank FROM ownership_searchposting
            WHERE word = capped.term ORDER BY weight DESC LIMIT capped.cap
        ) p
    """  # noqa: S608 - this module's constants; values are bound
_PG_BEST = """
        SELECT DISTINCT ON (task_id, grp) task_id, grp, s, criticality_rank AS crit, how, term,
               field
        FROM matched ORDER BY task_id, grp, s DESC
    """
# The word being typed is completed to the terms it starts that most tasks hold, at most
# COMPLETIONS of them: "re" starts hundreds.
COMPLETIONS = 8
_PG_COMPLETIONS = f"""CROSS JOIN LATERAL (
            SELECT term FROM ownership_searchterm
            WHERE term ~>~ q.term AND term ~<~ (q.term || '{{') AND tasks > 0
            ORDER BY tasks DESC, term LIMIT {COMPLETIONS}
        ) t
        WHERE q.prefix AND length(q.term) >= 2"""  # noqa: S608 - this module's constants; values are bound
_SQLITE_COMPLETIONS = f"""JOIN ownership_searchterm t ON t.term IN (
            SELECT term FROM ownership_searchterm
            WHERE term > q.term AND term < (q.term || '{{') AND tasks > 0
            ORDER BY tasks DESC, term LIMIT {COMPLETIONS}
        )
        WHERE q.prefix = 1 AND length(q.term) >= 2"""  # noqa: S608 - this module's constants; values are bound
# A team's lead by their id, one index probe per assignment: joined plainly, the planner merged
# the person table's whole primary key in order, reading every person up to the highest lead's
# id for each task shown.
_PG_LEAD_JOIN = """LEFT JOIN LATERAL (
                SELECT * FROM ownership_person WHERE id = team.lead_id OFFSET 0
            ) lead ON true"""
_SQLITE_LEAD_JOIN = "LEFT JOIN ownership_person lead ON lead.id = team.lead_id"
_PG_EXPANSIONS = f"""CROSS JOIN LATERAL (
            SELECT term, weight FROM ownership_searchexpansion WHERE phrase = ph.phrase
            ORDER BY weight DESC, term LIMIT {EXPANSIONS_PER_PHRASE}
        ) e"""  # noqa: S608 - this module's constants; values are bound
_SQLITE_MATCHED = f"""
        SELECT grp, how, term, task_id, field, criticality_rank, s FROM (
            SELECT {_COLUMNS},
                   capped.factor * p.weight * {_IDF.format(greatest="MAX", tasks="t.tasks")} AS s,
                   ROW_NUMBER() OVER (PARTITION BY capped.grp, capped.term
                                      ORDER BY p.weight DESC) AS nth, capped.cap
            FROM capped
            JOIN ownership_searchterm t ON t.term = capped.term
            JOIN ownership_searchposting p ON p.word = capped.term
            {_ALL_TASKS}
        ) ranked_postings WHERE nth <= cap
    """  # noqa: S608 - this module's constants; values are bound
# SQLite takes a bare column of a MAX() group from the row with the maximum.
_SQLITE_BEST = """
        SELECT task_id, grp, MAX(s) AS s, criticality_rank AS crit, how, term, field
        FROM matched GROUP BY task_id, grp
    """
_SQLITE_EXPANSIONS = f"""JOIN ownership_searchexpansion e ON e.id IN (
            SELECT id FROM ownership_searchexpansion WHERE phrase = ph.phrase
            ORDER BY weight DESC, term LIMIT {EXPANSIONS_PER_PHRASE}
        )"""  # noqa: S608 - this module's constants; values are bound


@cache
def _sql(postgres: bool) -> str:
    common = {"prefix": PREFIX, "word_cap": WORD_CAP, "other_cap": OTHER_CAP}
    if postgres:
        corrections = _PG_CORRECTIONS.format(
            correction=CORRECTION,
            per_word=CORRECTIONS_PER_WORD,
            min_length=MIN_CORRECTED,
            similarity=MIN_SIMILARITY,
        )
        matched = _PG_MATCHED.format(all_tasks=ALL_TASKS)
        body = _RANK.format(
            **common,
            completions=_PG_COMPLETIONS,
            corrections=corrections,
            expansions=_PG_EXPANSIONS,
            lead_join=_PG_LEAD_JOIN,
            matched=matched,
            best=_PG_BEST,
            agg="json_agg",
            array="json_build_array",
        )
        return "WITH " + _PG_INPUT + body
    matched = _SQLITE_MATCHED.format(all_tasks=ALL_TASKS)
    body = _RANK.format(
        **common,
        completions=_SQLITE_COMPLETIONS,
        corrections="",
        expansions=_SQLITE_EXPANSIONS,
        lead_join=_SQLITE_LEAD_JOIN,
        matched=matched,
        best=_SQLITE_BEST,
        agg="json_group_array",
        array="json_array",
    )
    return "WITH " + _SQLITE_INPUT + body


def _sqlite_corrections(query: Query) -> None:
    """Forms for the words no term of the map is, from the vocabulary by difflib: the same
    role as the trigram index's on PostgreSQL."""
    words = [form for form in query.forms if form["how"] == "word"]
    known = set(
        SearchTerm.objects.filter(
            term__in=[form["term"] for form in words], tasks__gt=0
        ).values_list("term", flat=True)
    )
    unknown = [form for form in words if form["term"] not in known]
    if not unknown:
        return
    vocabulary = dict(SearchWord.objects.values_list("word", "stem"))
    for form in unknown:
        if form["prefix"] and any(term.startswith(form["term"]) for term in vocabulary.values()):
            continue
        surface = query.groups[form["grp"]]
        if len(surface) < MIN_CORRECTED:
            continue
        close = difflib.get_close_matches(surface, vocabulary, CORRECTIONS_PER_WORD, 0.75)
        for word in (word for word in close if word[0] == surface[0]):
            query.forms.append(
                {
                    "grp": form["grp"],
                    "term": vocabulary[word],
                    "factor": CORRECTION,
                    "how": "correction",
                    "prefix": False,
                }
            )


# A task whose pattern matches a pasted identifier comes before any task found by words: the
# most specific pattern first.
PIN = 1000.0


def rank(query: Query, limit: int, pinned: Sequence[int] = ()) -> list[tuple]:
    """The best tasks for the query, best first, as rows of task, stage, people (JSON), what
    matched (JSON), aliases and score. Pinned tasks come first, in their order."""
    if not query.words and not query.phrases and not pinned:
        return []
    pins = json.dumps(
        [{"task_id": pk, "boost": PIN * (len(pinned) - at)} for at, pk in enumerate(pinned)]
    )
    pool = limit * _POOL
    postgres = uses_postgres()
    if postgres:
        for form in query.forms:
            form["surface"] = query.groups[form["grp"]] if form["how"] == "word" else ""
    else:
        _sqlite_corrections(query)
    forms, phrases = query.as_json()
    with connection.cursor() as cursor:
        cursor.execute(_sql(postgres), [forms, phrases, pins, pool, limit])
        return cursor.fetchall()
