"""Words as the lookup sees them: folded to lower-case ASCII, split, and stemmed with Snowball's
English stemmer, the same on SQLite and PostgreSQL because it runs here, not in the database."""

import itertools
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+")
MAX_WORD = 64
# A pair of neighbouring terms in the index ("size guid~fit"): "~" sorts after "{", so a pair
# never falls inside a single term's prefix range [term, term + "{").
PAIR = "~"

# Words that carry no meaning in "who owns this?" questions; as prefixes they would match
# almost every task ("is" → "issue", "my" → "mystery").
STOP_WORDS = frozenset(
    """a an and any are as at be but by can could did do does doesn don for from get got has have
    how if in into is isn it its me my no not of on or our own owns so still that the their them
    then there they this to was wasn we what when where which who whom why will with won would you
    your says said""".split()
)

_stemmer = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def tokens(text: str) -> list[str]:
    """Every word of the text in order, repeats kept: letters and digits, accents folded."""
    return [word for word in _WORD.findall(fold(text)) if len(word) <= MAX_WORD]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """ "refunds" → "refund", "shipping" → "ship", "damaged" → "damag"."""
    return _stemmer.stemWord(word)


def is_meaningful(word: str) -> bool:
    return len(word) >= 2 and word not in STOP_WORDS


# Who is asking, not what about: "customer wants to send back a bed", "client says the code
# failed". Such a word is left out when a verb of asking, having or doing follows it; "customer
# service" and "customer complaints" keep it.
ASKERS = frozenset("customer customers client clients shopper shoppers buyer buyers".split())
ASKING = frozenset(
    """wants wanted needs needed says said asks asked asking is was has had have can could did
    does didn doesn isn wasn hasn will would won got gets found finds received paid tried
    tries thinks claims keeps moved ordered bought sent emailed called rang complains
    complained""".split()
)


def is_asker(words: list[str], at: int) -> bool:
    return words[at] in ASKERS and at + 1 < len(words) and words[at + 1] in ASKING


def terms(text: str) -> list[str]:
    """The stems of the text's meaningful words, in order, repeats kept."""
    return [stem(word) for word in tokens(text) if is_meaningful(word)]


def pairs(stems: list[str]) -> list[str]:
    """Neighbouring stems as one term each: "size guides and fit notes" → size~guid, guid~fit…"""
    return [f"{first}{PAIR}{second}" for first, second in itertools.pairwise(stems)]
