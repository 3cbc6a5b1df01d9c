"""Learning from what people pick, and the questions nobody got an answer to.

When someone opens a task from a lookup's answers (a result link, or a permalink from the API's
answer, which carries the query as `?q=`), the query's words are recorded against that task.
Once LEARN_AFTER different people have done so, the words find the task like an alias and the
task page lists them under "people also call this", until an ops lead promotes them to an
alias or removes them.

Questions are counted by their words, with nothing about who asked: how often asked, how often
something was found, how often an answer was opened. Distinct people are told apart only by a
keyed hash of the person and the phrase (models.Pick), which no other row shares.
"""

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from config.writes import stamp
from ownership.lookup.index import reindex_tasks
from ownership.lookup.search import query_words
from ownership.models import AskedQuestion, PhraseStatus, Pick, TaskPhrase
from tasks_registry import patterns
from tasks_registry.changes import update_task
from tasks_registry.models import Task

LEARN_AFTER = 3
UNANSWERED_SHOWN = 5


def question_words(query: str) -> str:
    """A query as it is recorded: its meaningful words, lower-case, in order. A pasted URL,
    code or SKU is not recorded: patterns answer those, not aliases."""
    if patterns.looks_like_identifier(query):
        return ""
    return " ".join(query_words(query))[:200]


def _count(words: str, **increments: int) -> None:
    today = timezone.localdate()
    updates = {name: F(name) + value for name, value in increments.items()}
    if AskedQuestion.objects.filter(words=words).update(last_asked_on=today, **updates):
        return
    try:
        with transaction.atomic():
            AskedQuestion.objects.create(
                words=words, first_asked_on=today, last_asked_on=today, **increments
            )
    except IntegrityError:  # asked by someone else at the same moment
        AskedQuestion.objects.filter(words=words).update(last_asked_on=today, **updates)


def record_question(*, query: str, found: bool) -> None:
    """Count a question asked on the results page, the API or in chat."""
    words = question_words(query)
    if words:
        _count(words, asked=1, found=int(found))


def _picker(user: AbstractBaseUser, phrase: TaskPhrase) -> str:
    message = f"{user.pk}:{phrase.pk}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def record_pick(
    *, task: Task, query: str, user: AbstractBaseUser, asked_here: bool = False
) -> TaskPhrase | None:
    """Someone opened this task after searching with the query. `asked_here`: the question
    was asked in the live results under the search box, which count questions only when an
    answer is opened (every keystroke is a query there)."""
    words = question_words(query)
    if not words or not task.is_active:
        return None
    with transaction.atomic():
        if asked_here:
            _count(words, asked=1, found=1, opened=1)
        else:
            _count(words, opened=1)
        phrase, _ = TaskPhrase.objects.get_or_create(task=task, words=words)
        _, new_person = Pick.objects.get_or_create(phrase=phrase, picker=_picker(user, phrase))
        if not new_person:
            return phrase
        TaskPhrase.objects.filter(pk=phrase.pk).update(pickers=F("pickers") + 1)
        phrase.refresh_from_db()
        if phrase.pickers >= LEARN_AFTER and phrase.status == PhraseStatus.LEARNING:
            phrase.status = PhraseStatus.LEARNED
            stamp(phrase, by=None, reason=f"{phrase.pickers} people opened it after searching this")
            phrase.save(update_fields=["status"])
            reindex_tasks([task.pk])
    return phrase


def learned_phrases(task: Task) -> QuerySet[TaskPhrase]:
    return TaskPhrase.objects.filter(task=task, status=PhraseStatus.LEARNED).order_by(
        "-pickers", "words"
    )


def _add_alias(task: Task, words: str, by: AbstractBaseUser | None, reason: str) -> Task:
    if words in (alias.lower() for alias in task.alias_list):
        return task
    aliases = "\n".join([*task.alias_list, words])
    return update_task(task=task, by=by, reason=reason, aliases=aliases)


def _set_status(phrase: TaskPhrase, status: str, by: AbstractBaseUser | None) -> TaskPhrase:
    """Give learned words a new status and reindex their task (they find it, or no longer)."""
    with transaction.atomic():
        current = TaskPhrase.objects.select_for_update().select_related("task").get(pk=phrase.pk)
        if current.status == status:
            return current
        current.status = status
        stamp(current, by=by)
        current.save(update_fields=["status"])
        reindex_tasks([current.task_id])
    return current


def promote_phrase(*, phrase: TaskPhrase, by: AbstractBaseUser | None) -> TaskPhrase:
    """Make learned words an alias of their task."""
    with transaction.atomic():
        if TaskPhrase.objects.filter(pk=phrase.pk, status=PhraseStatus.PROMOTED).exists():
            return TaskPhrase.objects.get(pk=phrase.pk)
        promoted = _set_status(phrase, PhraseStatus.PROMOTED, by)
        _add_alias(promoted.task, promoted.words, by, f"“{promoted.words}”: what people call it")
    return promoted


def dismiss_phrase(*, phrase: TaskPhrase, by: AbstractBaseUser | None) -> TaskPhrase:
    """Learned words that do not belong to the task: they stop finding it and stay away."""
    return _set_status(phrase, PhraseStatus.DISMISSED, by)


def unanswered_questions(limit: int = UNANSWERED_SHOWN) -> QuerySet[AskedQuestion]:
    """Open questions that found nothing, or whose answers nobody opened, most asked first."""
    return (
        AskedQuestion.objects.filter(closed_at__isnull=True)
        .filter(Q(found=0) | Q(opened=0))
        .order_by("-asked", "-last_asked_on", "words")[:limit]
    )


# Beyond this many tasks the card's task field offers no list of names to pick from: the page
# would carry every name of a large map. The name is typed instead (and checked).
NAMES_OFFERED = 1000


def unanswered_card() -> dict:
    """The dashboard card's data in two queries: the open questions, and the task names the
    answer field offers."""
    questions = list(unanswered_questions())
    names: list[str] = []
    if questions:
        names = list(
            Task.objects.filter(is_active=True)
            .order_by("name")
            .values_list("name", flat=True)[: NAMES_OFFERED + 1]
        )
    return {"questions": questions, "task_names": names if len(names) <= NAMES_OFFERED else []}


def answer_question(
    *, question: AskedQuestion, task_name: str, by: AbstractBaseUser | None
) -> Task:
    """Make an unanswered question's words an alias of the task named, and close it."""
    task = Task.objects.filter(name__iexact=task_name.strip(), is_active=True).first()
    if task is None:
        raise ValidationError({"task": f"No task on the map is called “{task_name.strip()}”."})
    with transaction.atomic():
        current = AskedQuestion.objects.select_for_update().get(pk=question.pk)
        if current.closed_at is not None:
            return task
        task = _add_alias(task, current.words, by, f"unanswered question “{current.words}”")
        current.closed_at = timezone.now()
        current.save(update_fields=["closed_at"])
    return task


def set_aside_question(*, question: AskedQuestion) -> None:
    AskedQuestion.objects.filter(pk=question.pk, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
