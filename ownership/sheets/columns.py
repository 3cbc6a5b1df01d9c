"""The sheet's columns, and how a cell's text becomes a value and back."""

import re
from dataclasses import dataclass

from ownership.models import Role


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    role: Role | None = None  # a column of people
    several: bool = False  # several people (or words) in one cell


COLUMNS = (
    Column("task", "Task"),
    Column("stage", "Stage"),
    Column("criticality", "Criticality"),
    Column("owner", "Owner", Role.OWNER),
    Column("backup", "Backup", Role.BACKUP),
    Column("contributors", "Contributors", Role.CONTRIBUTOR, several=True),
    Column("checker", "Checker", Role.CHECKER, several=True),
    Column("escalation", "Escalation", Role.ESCALATION, several=True),
    Column("consulted", "Consulted", Role.CONSULTED, several=True),
    Column("informed", "Informed", Role.INFORMED, several=True),
    Column("rhythm", "Rhythm"),
    Column("definition_of_done", "Definition of done"),
    Column("aliases", "Aliases", several=True),
    Column("patterns", "Patterns", several=True),
    Column("systems", "Systems", several=True),
    Column("metric", "Metric"),
    Column("promises", "Promises", several=True),
    Column("description", "Description"),
)
BY_NAME = {column.name: column for column in COLUMNS}
PEOPLE_COLUMNS = tuple(column for column in COLUMNS if column.role is not None)
HEADER = [column.name for column in COLUMNS]
LABELS = [column.label for column in COLUMNS]

# Other headers people write for the same columns.
_SYNONYMS = {
    "name": "task",
    "task_name": "task",
    "dod": "definition_of_done",
    "done": "definition_of_done",
    "definition_of_done_dod": "definition_of_done",
    "deadline_rhythm": "rhythm",
    "contributor": "contributors",
    "alias": "aliases",
    "pattern": "patterns",
    "system": "systems",
    "operational_metric": "metric",
    "promise": "promises",
    "journey_stage": "stage",
}
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")


def column_of(header: str) -> str:
    """A header as the column it names: case, spaces and punctuation do not matter."""
    key = _NOT_A_WORD.sub("_", header.strip().lower()).strip("_")
    return _SYNONYMS.get(key, key)


# Spreadsheet programs run a cell that starts with one of these as a formula (OWASP's list for
# CSV injection). Exports put an apostrophe before them, which spreadsheets show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA = re.compile(r"^(=|[+\-@]\S)")


def escape(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescape(text: str) -> str:
    """A cell as exported (or typed with the same apostrophe) back to its text."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def looks_like_formula(text: str) -> bool:
    """A cell a spreadsheet would have computed rather than shown: "=…", or "+", "-" or "@"
    followed by more than a space ("- item" in a list is text; "-A1+B1" is not)."""
    return bool(_FORMULA.match(text))


_LIST_SEPARATOR = re.compile(r"[;\n]")
_PEOPLE_SEPARATOR = re.compile(r"[;,\n]")


def split_words(cell: str) -> list[str]:
    """Aliases and systems: separated by semicolons (or lines), blanks dropped."""
    return [part.strip() for part in _LIST_SEPARATOR.split(cell) if part.strip()]


def split_people(cell: str) -> list[str]:
    """People: separated by semicolons or commas (or lines), blanks dropped. A comma inside
    "<…>" does not separate."""
    parts, current, depth = [], [], 0
    for char in cell:
        if char == "<":
            depth += 1
        elif char == ">" and depth:
            depth -= 1
        if depth == 0 and _PEOPLE_SEPARATOR.match(char):
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def promise_cell(name: str, place: str) -> str:
    """A promise a task repeats, and where: “Free returns (support macros › Returns)”."""
    return f"{name} ({place})"


def split_promise(item: str, known: set[str]) -> tuple[str, str]:
    """A promises cell's item as the promise's name and where it appears ("" if not said). A
    name that itself ends in brackets, “Free delivery (UK)”, is a name when the map has it."""
    item = item.strip()
    if not item.endswith(")") or item.lower() in known:
        return item, ""
    depth = 0
    for at in range(len(item) - 1, -1, -1):  # back to the bracket that opens the last one
        depth += {")": 1, "(": -1}.get(item[at], 0)
        if depth == 0:
            return item[:at].strip(), " ".join(item[at + 1 : -1].split())
    return item, ""


def join_words(values: list[str]) -> str:
    return "; ".join(values)


def normalise_text(cell: str) -> str:
    """Multi-line text as stored: line ends unified, outer blank space dropped."""
    return "\n".join(line.rstrip() for line in cell.replace("\r\n", "\n").split("\n")).strip()
