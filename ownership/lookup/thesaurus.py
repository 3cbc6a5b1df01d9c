"""The lookup's thesaurus: the words of e-commerce operations, and the store's own.

Support agents speak in symptoms ("wismo", "basket", "unavailable"); task names are in ops
words ("order tracking", "cart", "out of stock"). An entry leads from one to the other, and an
expansion counts for less than the word typed (EXPANSION_WEIGHT), so a task that uses the
typed word itself still ranks first.

The built-in entries are ownership/data/thesaurus.txt, synced into SearchSynonym after every
migrate. Every write goes through the functions here, which keep SearchExpansion (what the
ranking reads) in step, in the same transaction.
"""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.writes import stamp
from ownership.lookup.words import is_meaningful, pairs, stem, tokens
from ownership.models import SearchExpansion, SearchSynonym

BUILT_IN = Path(__file__).resolve().parents[1] / "data" / "thesaurus.txt"
EXPANSION_WEIGHT = 0.6
MAX_PHRASE_WORDS = 4
MAX_MEANINGS = 12


@dataclass(frozen=True)
class Entry:
    words: str
    means: tuple[str, ...]
    two_way: bool


def phrase_key(text: str) -> str:
    """A phrase as the ranking looks it up: the stems of all its words, stop words included
    ("where is my order" is a phrase people type whole)."""
    return " ".join(stem(word) for word in tokens(text))


def read_built_in(path: Path = BUILT_IN) -> list[Entry]:
    """Lines of `a = b = c` (the same thing said differently) or `a -> b; c` (what people say,
    and the map's words it leads to). Blank lines and # comments are skipped."""
    entries = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "->" in line:
            words, _, rest = line.partition("->")
            means, two_way = [part.strip() for part in rest.split(";")], False
        elif "=" in line:
            words, *means = [part.strip() for part in line.split("=")]
            two_way = True
        else:
            raise ValueError(f"{path.name}, line {number}: no “=” or “->” in “{line}”.")
        means = [meaning for meaning in means if meaning]
        if not words.strip() or not means:
            raise ValueError(f"{path.name}, line {number}: an empty side in “{line}”.")
        entries.append(Entry(words.strip().lower(), tuple(m.lower() for m in means), two_way))
    return entries


# --- Checking an entry ---------------------------------------------------------------------------


def _one_way_edges(exclude_pk: int | None) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    rows = SearchSynonym.objects.filter(is_active=True, two_way=False)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    for synonym in rows.only("words", "means"):
        edges.setdefault(phrase_key(synonym.words), set()).update(
            phrase_key(meaning) for meaning in synonym.meaning_list
        )
    return edges


def _leads_back(start: set[str], target: str, edges: dict[str, set[str]]) -> bool:
    seen, todo = set(), list(start)
    while todo:
        phrase = todo.pop()
        if phrase == target:
            return True
        if phrase not in seen:
            seen.add(phrase)
            todo.extend(edges.get(phrase, ()))
    return False


def check_entry(
    *, words: str, means: list[str], two_way: bool, exclude_pk: int | None = None
) -> None:
    """Refuse, on the field at fault, an entry that cannot work: no meaningful words, too
    long, pointing to itself, or closing a circle with the one-way entries already there."""
    errors: dict[str, str] = {}
    key = phrase_key(words)
    if not key or not any(is_meaningful(word) for word in tokens(words)):
        errors["words"] = "Give the words people type: letters or digits, not only “the”, “is”…"
    elif len(key.split()) > MAX_PHRASE_WORDS:
        errors["words"] = f"At most {MAX_PHRASE_WORDS} words: the shortest phrase people type."
    keys = [phrase_key(meaning) for meaning in means]
    if not means:
        errors["means"] = "Give at least one word or phrase it means."
    elif len(means) > MAX_MEANINGS:
        errors["means"] = f"At most {MAX_MEANINGS} meanings in one entry."
    elif any(not k for k in keys):
        errors["means"] = "Each line needs letters or digits."
    elif key and key in keys:
        errors["means"] = f"“{words}” cannot mean itself: give other words."
    elif key and not two_way and _leads_back(set(keys), key, _one_way_edges(exclude_pk)):
        errors["means"] = (
            f"That makes a circle: one of these already leads back to “{words}”. "
            "Make it a two-way entry instead."
        )
    if "words" not in errors and key:
        same = SearchSynonym.objects.filter(is_active=True, words__iexact=words.strip())
        clash = (same if exclude_pk is None else same.exclude(pk=exclude_pk)).first()
        if clash is not None:
            errors["words"] = f"There is already an entry for “{clash.words}”: change that one."
    if errors:
        raise ValidationError(errors)


# --- What the ranking reads ----------------------------------------------------------------------


def expansions_of(synonym: SearchSynonym) -> list[SearchExpansion]:
    """The (phrase, term) rows of an entry: each meaning, for the entry's words; for a two-way
    entry, every side for every other side.

    A meaning of several words is found best where its words stand together (as a pair of
    neighbouring terms in the index). In a one-way entry, written to lead from a symptom to
    the map's words, each of its words alone also counts, for a share of the weight. In a
    two-way entry its words count only together: "return" is "send back", not "back".
    """
    sides = [synonym.words, *synonym.meaning_list]
    leads = [(0, index) for index in range(1, len(sides))]
    if synonym.two_way:
        leads = [(a, b) for a in range(len(sides)) for b in range(len(sides)) if a != b]
    rows: dict[tuple[str, str], float] = {}
    for source, target in leads:
        phrase = phrase_key(sides[source])
        stems = [stem(word) for word in tokens(sides[target]) if is_meaningful(word)]
        weighted = [(pair, EXPANSION_WEIGHT) for pair in pairs(stems)]
        if len(stems) == 1 or not synonym.two_way:
            weighted += [(term, EXPANSION_WEIGHT / len(stems)) for term in stems]
        for term, weight in weighted:
            rows[phrase, term] = max(weight, rows.get((phrase, term), 0.0))
    return [
        SearchExpansion(phrase=phrase, term=term, weight=round(weight, 4), synonym=synonym)
        for (phrase, term), weight in rows.items()
    ]


def _rewrite_expansions(synonyms: list[SearchSynonym]) -> None:
    SearchExpansion.objects.filter(synonym__in=synonyms).delete()
    SearchExpansion.objects.bulk_create(
        [row for synonym in synonyms if synonym.is_active for row in expansions_of(synonym)],
        batch_size=2000,
    )


# --- Writes --------------------------------------------------------------------------------------


def _lines(means: list[str] | str) -> list[str]:
    items = means.splitlines() if isinstance(means, str) else means
    return list(dict.fromkeys(item.strip().lower() for item in items if item.strip()))


def add_synonym(
    *, words: str, means: list[str] | str, two_way: bool, by: AbstractBaseUser | None
) -> SearchSynonym:
    meanings = _lines(means)
    words = " ".join(words.split()).lower()
    with transaction.atomic():
        check_entry(words=words, means=meanings, two_way=two_way)
        synonym = SearchSynonym(words=words, means="\n".join(meanings), two_way=two_way)
        stamp(synonym, by=by)
        try:
            with transaction.atomic():
                synonym.save()
        except IntegrityError:
            raise ValidationError(
                {"words": f"Someone added an entry for “{words}” a moment ago."}
            ) from None
        _rewrite_expansions([synonym])
    return synonym


def _set_active(synonym: SearchSynonym, by: AbstractBaseUser | None, active: bool) -> SearchSynonym:
    with transaction.atomic():
        current = SearchSynonym.objects.select_for_update().get(pk=synonym.pk)
        if current.is_active == active:
            return current
        if active:  # the map may have gained an entry for the same words meanwhile
            check_entry(
                words=current.words,
                means=current.meaning_list,
                two_way=current.two_way,
                exclude_pk=current.pk,
            )
        current.is_active = active
        current.version += 1
        stamp(current, by=by)
        current.save()
        _rewrite_expansions([current])
    return current


def remove_synonym(*, synonym: SearchSynonym, by: AbstractBaseUser | None) -> SearchSynonym:
    """Take an entry out of the lookup. Kept as a record: a removed built-in entry stays
    removed when the built-in list is synced again."""
    return _set_active(synonym, by, active=False)


def restore_synonym(*, synonym: SearchSynonym, by: AbstractBaseUser | None) -> SearchSynonym:
    return _set_active(synonym, by, active=True)


@transaction.atomic
def sync_built_in(entries: list[Entry] | None = None) -> int:
    """Make the built-in entries as the list says, leaving alone those an ops lead removed and
    words the store has an entry of its own for. Returns how many entries it wrote."""
    entries = read_built_in() if entries is None else entries
    existing = {s.words: s for s in SearchSynonym.objects.filter(built_in=True)}
    own = set(
        SearchSynonym.objects.filter(built_in=False, is_active=True).values_list("words", flat=True)
    )
    written = []
    for entry in entries:
        synonym = existing.get(entry.words)
        means = "\n".join(entry.means)
        if synonym is None:
            if entry.words in own:
                continue
            synonym = SearchSynonym(
                words=entry.words, means=means, two_way=entry.two_way, built_in=True
            )
        elif not synonym.is_active or (synonym.means, synonym.two_way) == (means, entry.two_way):
            continue
        else:
            synonym.means, synonym.two_way = means, entry.two_way
            synonym.version += 1
        stamp(synonym, by=None, reason="built-in search words")
        synonym.save()
        written.append(synonym)
    _rewrite_expansions(written)
    return len(written)


def rebuild_expansions() -> None:
    """Every entry's rows again: after the stemmer or the expansion rules change."""
    SearchExpansion.objects.all().delete()
    _rewrite_expansions(list(SearchSynonym.objects.filter(is_active=True)))
