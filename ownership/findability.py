"""How well the lookup finds the right task: a set of questions, each with the task (or tasks)
that should answer it, asked of the map in the database.

The evaluation sets in bench/findability/ are store maps written as sheets with no aliases, and
questions in the words support agents, warehouse staff and marketers use. `bench/findability.py`
prints their figures; the test suite holds the lookup to them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Question:
    text: str
    expected: tuple[str, ...]  # any of these task names is a right answer
    line: int


@dataclass
class Miss:
    question: Question
    got: list[str]  # the names the lookup put first, best first
    why: list[str] = field(default_factory=list)  # why the first one matched

    @property
    def rank(self) -> int | None:
        """Where a right answer came, counting from 1, or None if it was not in the list."""
        for position, name in enumerate(self.got, start=1):
            if name in self.question.expected:
                return position
        return None


@dataclass
class Report:
    name: str
    asked: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def top1_share(self) -> float:
        return self.top1 / self.asked if self.asked else 0.0

    @property
    def top3_share(self) -> float:
        return self.top3 / self.asked if self.asked else 0.0


def read_questions(path: Path) -> list[Question]:
    """Lines of `question => Task name || Another task name`; blank lines and # comments skipped."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        text, arrow, expected = line.partition("=>")
        if not arrow or not text.strip() or not expected.strip():
            raise ValueError(f"{path.name}, line {number}: expected “question => task name”.")
        names = tuple(name.strip() for name in expected.split("||") if name.strip())
        questions.append(Question(text.strip(), names, number))
    return questions


def evaluate(name: str, questions: Iterable[Question]) -> Report:
    """Ask each question of the map as it is in the database and count where the right task
    came. Unknown expected task names raise, so a renamed task cannot pass silently."""
    from ownership.lookup import lookup
    from tasks_registry.models import Task

    known = set(Task.objects.filter(is_active=True).values_list("name", flat=True))
    report = Report(name)
    for question in questions:
        unknown = [task for task in question.expected if task not in known]
        if unknown:
            raise ValueError(f"{name}, line {question.line}: no task called {unknown[0]!r}.")
        answers = lookup(question.text, limit=3).answers
        got = [answer.task.name for answer in answers]
        report.asked += 1
        if got[:1] and got[0] in question.expected:
            report.top1 += 1
        else:
            why = [str(match) for match in answers[0].matched] if answers else []
            report.misses.append(Miss(question, got, why))
        if any(task in question.expected for task in got[:3]):
            report.top3 += 1
    return report
