"""When work slips the map acts: one critical task walked through its whole escalation on a
clock the test controls (sweep at a given moment), "I'm on it", an away owner, nobody at a
step, and two sweeps at once."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from ownership import escalation
from ownership.assignments import assign, assign_backup, assign_owner
from ownership.models import EscalationStep
from reviews import notify, scheduling
from reviews.models import Notice, NoticeKind
from tasks_registry.completions import record_completion, skip_occurrences
from tasks_registry.models import Task
from tests.at_once import at_once
from tests.factories import PersonFactory, UserFactory, due_1_dec

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 12, 1)  # a Tuesday


def at(day: str, hour: str = "08:00") -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T{hour}"))


def _person(name: str, *, username: str = "") -> object:
    user = UserFactory(username=username) if username else None
    return PersonFactory(name=name, user=user, team=None)


@pytest.fixture
def cast(ops_lead):
    """A critical task due on 1 Dec with its owner, backup and escalation contact; the ops
    lead (Olu Opslead) is who answers for it last."""
    task = due_1_dec("Payment gateway check")
    people = {
        "owner": _person("Olive Owner", username="olive"),
        "backup": _person("Ben Backup", username="ben"),
        "contact": _person("Esme Escalation", username="esme"),
    }
    assign_owner(task=task, person=people["owner"], by=None)
    assign_backup(task=task, person=people["backup"], by=None)
    assign(task=task, person=people["contact"], role="escalation", by=None)
    return task, people


def _sweep(day: str) -> list[tuple[str, str, str]]:
    """Sweep at 08:00 on the day: the notices it made, as (key's step, kind, person)."""
    made = scheduling.sweep(at(day)).notices
    return [
        (key.rsplit(":", 1)[1], kind, name)
        for key, kind, name in Notice.objects.filter(pk__in=made, task__isnull=False)
        .order_by("pk")
        .values_list("key", "kind", "person__name")
    ]


def test_a_critical_task_walks_its_whole_chain_and_confirming_stops_it(cast):
    task, people = cast
    assert task.next_due_on == DUE
    assert _sweep("2026-12-01") == []  # due today, not overdue
    assert _sweep("2026-12-02") == [("1", NoticeKind.OVERDUE, "Olive Owner")]
    assert scheduling.sweep(at("2026-12-02", "15:00")).notices == []  # the same day again
    assert _sweep("2026-12-03") == [("2", NoticeKind.ESCALATION, "Ben Backup")]
    # What the backup reads.
    ben = Notice.objects.get(key__endswith=":step:2")
    message = notify.compose(ben, today=datetime.date(2026, 12, 3))
    assert message.subject == "Escalated to you: Payment gateway check (due 1 Dec 2026)"
    assert message.body.startswith("Hello Ben Backup,\n\nPayment gateway check fell due on")
    assert "It comes to you as its backup: owner did not confirm." in message.body
    assert "Told before you: Olive Owner (acting owner, 2 Dec)." in message.body
    assert "If it is still open on Fri 4 Dec, Esme Escalation (escalation contact)" in message.body
    assert _sweep("2026-12-04") == [("3", NoticeKind.ESCALATION, "Esme Escalation")]
    assert _sweep("2026-12-05") == []  # Saturday: business days only
    assert _sweep("2026-12-06") == []
    assert _sweep("2026-12-07") == [("4", NoticeKind.ESCALATION, "Olu Opslead")]
    for day in range(8, 14):
        assert _sweep(f"2026-12-{day:02d}") == []
    # The last step repeats weekly until the occurrence is resolved.
    assert _sweep("2026-12-14") == [("5", NoticeKind.ESCALATION, "Olu Opslead")]

    steps = list(
        EscalationStep.objects.filter(task=task).values_list(
            "number", "role", "person__name", "reached_on", "because"
        )
    )
    assert steps == [
        (1, "owner", "Olive Owner", datetime.date(2026, 12, 2), "due 1 Dec, not confirmed done"),
        (2, "backup", "Ben Backup", datetime.date(2026, 12, 3), "owner did not confirm"),
        (3, "escalation", "Esme Escalation", datetime.date(2026, 12, 4), "backup did not confirm"),
        (
            4,
            "last_resort",
            "Olu Opslead",
            datetime.date(2026, 12, 7),
            "escalation contact did not confirm",
        ),
        (
            5,
            "last_resort",
            "Olu Opslead",
            datetime.date(2026, 12, 14),
            "still not confirmed, 12 days on",
        ),
    ]
    chain = escalation.chain_of(task, datetime.date(2026, 12, 14))
    assert (chain.current.number, chain.escalated, chain.next.on) == (
        5,
        True,
        datetime.date(2026, 12, 21),
    )

    record_completion(
        task=task,
        due_on=DUE,
        by=people["owner"].user,
        ticked=task.done_checklist,
        today=datetime.date(2026, 12, 15),
    )
    assert _sweep("2026-12-21") == []
    assert escalation.chain_of(task, datetime.date(2026, 12, 21)) is None
    assert EscalationStep.objects.filter(task=task).count() == 5


def test_im_on_it_holds_the_chain_until_its_day_then_it_resumes(cast):
    task, people = cast
    assert _sweep("2026-12-02") == [("1", NoticeKind.OVERDUE, "Olive Owner")]
    escalation.pause(
        task=task,
        until=datetime.date(2026, 12, 8),
        by=people["owner"].user,
        today=datetime.date(2026, 12, 2),
    )
    for day in ("2026-12-03", "2026-12-04", "2026-12-07", "2026-12-08"):
        assert _sweep(day) == []
    # The day after it was promised, the chain goes on where it stood, with its spacing.
    assert _sweep("2026-12-09") == [("2", NoticeKind.ESCALATION, "Ben Backup")]
    step = EscalationStep.objects.get(task=task, number=2)
    assert step.because == "Olive Owner was on it by 8 Dec; still not confirmed"
    assert _sweep("2026-12-10") == [("3", NoticeKind.ESCALATION, "Esme Escalation")]


def test_im_on_it_refuses_a_day_gone_one_too_far_and_a_task_not_overdue(cast):
    task, people = cast
    user = people["owner"].user
    today = datetime.date(2026, 12, 2)
    with pytest.raises(ValidationError) as gone:
        escalation.pause(task=task, until=datetime.date(2026, 12, 1), by=user, today=today)
    assert gone.value.message_dict["until"] == [
        "That day has passed: give the day it will be done by."
    ]
    with pytest.raises(ValidationError) as far:
        escalation.pause(task=task, until=datetime.date(2027, 3, 3), by=user, today=today)
    assert "At most 90 days ahead" in far.value.message_dict["until"][0]
    with pytest.raises(ValidationError) as fine:
        escalation.pause(task=task, until=today, by=user, today=datetime.date(2026, 12, 1))
    assert fine.value.message_dict["until"] == ["It is not overdue: there is nothing to hold off."]
    assert not task.escalation_pauses.exists()


def test_an_away_owners_backup_is_the_first_step_and_the_chain_closes_up(cast):
    _task, people = cast
    owner = people["owner"]
    owner.away_until = datetime.date(2026, 12, 31)
    owner.save()
    assert _sweep("2026-12-02") == [("1", NoticeKind.OVERDUE, "Ben Backup")]
    # The backup already holds it: the next step is the escalation contact, on step 2's day.
    assert _sweep("2026-12-03") == [("2", NoticeKind.ESCALATION, "Esme Escalation")]
    assert _sweep("2026-12-04") == [("3", NoticeKind.ESCALATION, "Olu Opslead")]
    assert _sweep("2026-12-07") == []
    assert _sweep("2026-12-11") == [("4", NoticeKind.ESCALATION, "Olu Opslead")]
    first = Notice.objects.get(key__endswith=":step:1")
    body = notify.compose(first, today=datetime.date(2026, 12, 2)).body
    assert "You are its backup, acting while its owner cannot." in body


def test_a_task_nobody_owns_reaches_a_person_at_the_first_step(ops_lead):
    due_1_dec("Orphan check")
    assert _sweep("2026-12-02") == [("1", NoticeKind.OVERDUE, "Olu Opslead")]
    step = EscalationStep.objects.get()
    assert step.role == "last_resort"
    # Then it repeats weekly: there is nobody further to tell.
    assert _sweep("2026-12-03") == []
    assert _sweep("2026-12-09") == [("2", NoticeKind.ESCALATION, "Olu Opslead")]


def test_skipping_the_occurrence_ends_its_chain(cast):
    task, people = cast
    _sweep("2026-12-02")
    skip_occurrences(
        task=task,
        first=DUE,
        last=DUE,
        by=people["owner"].user,
        reason="Gateway retired this month",
        today=datetime.date(2026, 12, 2),
    )
    assert _sweep("2026-12-03") == []
    assert escalation.chain_of(Task.objects.get(pk=task.pk), datetime.date(2026, 12, 3)) is None


def test_one_email_per_person_per_sweep_however_many_tasks_need_them(cast, mailoutbox):
    _task, people = cast
    second = due_1_dec("Refund queue check")
    assign_owner(task=second, person=people["owner"], by=None)
    made = list(
        Notice.objects.filter(
            pk__in=scheduling.sweep(at("2026-12-02")).notices, kind=NoticeKind.OVERDUE
        ).values_list("pk", flat=True)
    )
    assert len(made) == 2
    for notice_id in made:
        notify.deliver(notice_id)
    [email] = [sent for sent in mailoutbox if sent.to == [people["owner"].email]]
    assert email.to == [people["owner"].email]
    # The same sweep made the quarter's review, which asks the owner to pre-review: a section
    # of the same letter.
    assert email.subject.startswith("3 things need you: Overdue: ")
    # One numbered section per task, in the order their notices were made.
    sections = [line for line in email.body.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert [line[:3] for line in sections] == ["1. ", "2. ", "3. "]
    assert {line[3:] for line in sections} == {
        "Overdue: Payment gateway check (due 1 Dec 2026)",
        "Overdue: Refund queue check (due 1 Dec 2026)",
        "Before the Quarterly review 2026-Q4: 2 tasks of yours",
    }
    assert "&#x27;" not in email.body
    assert "&quot;" not in email.body
    assert email.alternatives[0][1] == "text/html"
    assert Notice.objects.filter(pk__in=made, sent_at__isnull=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_make_each_step_exactly_once(reference_data, ops_lead, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL: SQLite writes one at a time")
    for number in range(3):
        task = due_1_dec(f"Slipping task {number}")
        assign_owner(task=task, person=_person(f"Owner {number}"), by=None)
    barrier = threading.Barrier(2, timeout=10)
    real = escalation.reach

    def both_at_once(chain, step, on):
        barrier.wait()  # both planned the same step, and now both try to make it
        return real(chain, step, on)

    monkeypatch.setattr(escalation, "reach", both_at_once)
    results, errors = at_once(lambda: scheduling.sweep(at("2026-12-02")))
    assert errors == []
    escalations = Notice.objects.filter(key__startswith="escalation:")
    made = sorted(len(escalations.filter(pk__in=result.notices)) for result in results)
    assert sum(made) == 3
    assert len(made) == 2
    assert EscalationStep.objects.count() == 3
    assert escalations.count() == 3
    assert sorted(
        Notice.objects.filter(key__startswith="escalation:").values_list("person__name", flat=True)
    ) == ["Owner 0", "Owner 1", "Owner 2"]
