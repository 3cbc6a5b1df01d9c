"""Owners pre-review their own tasks before a session: one request each, whatever the number
of tasks; what they confirm (with no gap and no change) the manager accepts in one click, and
the meeting walks only the exceptions."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ownership import attestation
from ownership.assignments import assign_backup, assign_owner
from ownership.models import Attestation
from ownership.people_changes import mark_departed
from reviews import notify, pre_review, scheduling, session_runner
from reviews.models import Notice, NoticeKind, Outcome, ReviewSession
from tasks_registry.changes import update_task
from tasks_registry.models import Metric, MetricValue
from tests.conftest import _member_of
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners(db):
    """Three owners of two tasks each, all with a backup; the first owner can sign in."""
    backup = PersonFactory(name="Bo Backup")
    user = _member_of("Members", "olive", "Olive Owner")
    people = [user.person, PersonFactory(name="Pat Owner"), PersonFactory(name="Quinn Owner")]
    for number in range(6):
        task = TaskFactory(name=f"Task {number}")
        assign_owner(task=task, person=people[number % 3], by=None)
        assign_backup(task=task, person=backup, by=None)
    return people


@pytest.fixture
def session(owners):
    scheduling.sweep()
    return ReviewSession.objects.get()


def _attest_all(person):
    attestation.attest(person=person, tasks=attestation.owned_by(person), by=None, via="my_tasks")


def test_each_owner_is_asked_once_however_many_tasks(owners, session):
    asks = Notice.objects.filter(kind=NoticeKind.PRE_REVIEW, session=session)
    assert sorted(asks.values_list("person__name", flat=True)) == [
        "Olive Owner",
        "Pat Owner",
        "Quinn Owner",
    ]
    assert not Notice.objects.filter(pk__in=scheduling.sweep().notices, kind=NoticeKind.PRE_REVIEW)


def test_the_request_lists_their_tasks_and_its_link_pre_reviews_them(client, owners, session):
    ask = Notice.objects.get(kind=NoticeKind.PRE_REVIEW, person=owners[0])
    assert notify.deliver(ask.pk)
    [email] = [m for m in mail.outbox if m.to == [owners[0].email]]
    assert email.subject == f"Before the {session}: 2 tasks of yours"
    assert "- Task 0" in email.body
    assert "- Task 3" in email.body
    assert "- Task 1" not in email.body
    assert f"/reviews/{session.pk}/pre-review" in email.body
    secret = re.search(r"/attest/(omat_[\w-]+)", email.body).group(1)
    client.post(reverse("ownership:attest_link", args=[secret]))
    confirmed = {s.person.name: s.confirmed for s in pre_review.who_pre_reviewed(session)}
    assert confirmed == {"Olive Owner": 2, "Pat Owner": 0, "Quinn Owner": 0}


def test_an_owner_pre_reviews_on_the_page(client, owners, session):
    client.force_login(owners[0].user)
    url = reverse("reviews:pre_review", args=[session.pk])
    page = client.get(url).content.decode()
    assert "Task 0" in page
    assert "Task 1" not in page
    task0, task3 = attestation.owned_by(owners[0])

    refused = client.post(url, {f"say_{task0.pk}": "right", f"say_{task3.pk}": "wrong"})

    assert refused.status_code == 400
    assert "Say what is wrong: the ops leads read it." in refused.content.decode()
    assert not Attestation.objects.exists()

    data = {
        f"say_{task0.pk}": "right",
        f"say_{task3.pk}": "wrong",
        f"note_{task3.pk}": "The backup left in March",
    }
    response = client.post(url, data, follow=True)

    assert "Noted: 1 still right, 1 with something wrong." in response.content.decode()
    said = pre_review.words(session)
    assert said[task0.pk].confirmed
    assert said[task3.pk].flagged
    assert said[task3.pk].note == "The backup left in March"
    assert set(Attestation.objects.values_list("via", flat=True)) == {"pre_review"}


def test_someone_who_owns_none_has_nothing_to_pre_review(client, member, session):
    client.force_login(member)
    page = client.get(reverse("reviews:pre_review", args=[session.pk])).content.decode()
    assert "You own none of the tasks in this session" in page


def test_a_closed_session_takes_no_pre_review(client, owners, session):
    session_runner.close_session(session=session, by=None)
    client.force_login(owners[0].user)
    task0 = attestation.owned_by(owners[0])[0]
    url = reverse("reviews:pre_review", args=[session.pk])
    assert "This session is closed" in client.get(url).content.decode()
    client.post(url, {f"say_{task0.pk}": "right"})
    assert not Attestation.objects.exists()


def test_the_session_page_shows_who_pre_reviewed_and_what_they_confirmed(
    client, manager, owners, session
):
    _attest_all(owners[0])
    _attest_all(owners[1])
    task = attestation.owned_by(owners[1])[0]
    attestation.something_is_wrong(person=owners[1], task=task, note="x", by=None, via="my_tasks")
    client.force_login(manager)
    page = client.get(reverse("reviews:session", args=[session.pk])).content.decode()
    assert "2 of 3 owners pre-reviewed their tasks" in page
    assert "Pat Owner: 1 of 2 still right, <strong>1 flagged</strong>" in page
    assert 'Quinn Owner: <span class="muted">not yet (2 tasks)</span>' in page
    assert "Confirmed by owners (3)" in page


def test_the_manager_accepts_the_owner_confirmed_items_in_one_click(
    client, manager, owners, session
):
    _attest_all(owners[0])
    _attest_all(owners[1])
    client.force_login(manager)
    response = client.post(reverse("reviews:accept_confirmed", args=[session.pk]), follow=True)
    assert "Accepted 4 items as confirmed." in response.content.decode()
    decided = session.items.exclude(outcome=Outcome.PENDING)
    assert decided.count() == 4
    assert set(decided.values_list("note", flat=True)) == {pre_review.OWNER_CONFIRMED}
    for item in decided:
        assert item.decided_by == manager
        assert item.history.first().history_user == manager
        assert item.task.last_confirmed_at == item.decided_at
    session.refresh_from_db()
    assert session.status == "in_progress"
    # The walk then goes through Quinn's two, the exceptions.
    assert session_runner.next_pending(session).task.name in {"Task 2", "Task 5"}


def test_one_item_is_accepted_alone(client, manager, owners, session):
    _attest_all(owners[0])
    item = session.items.get(task__name="Task 0")
    client.force_login(manager)
    client.post(reverse("reviews:accept_confirmed", args=[session.pk]), {"item": item.pk})
    item.refresh_from_db()
    assert item.outcome == Outcome.CONFIRMED
    assert session.items.exclude(outcome=Outcome.PENDING).count() == 1


def test_the_walk_skips_what_owners_confirmed_but_not_a_gap_or_a_flag(owners, session):
    _attest_all(owners[0])
    _attest_all(owners[1])
    clean = {item.task.name for item in pre_review.confirmed_by_owners(session)}
    assert clean == {"Task 0", "Task 3", "Task 1", "Task 4"}
    # A gap since: back among the exceptions.
    gap = session.items.get(task__name="Task 3").task
    update_task(task=gap, by=None, definition_of_done="")
    # A flag after the attestation: too.
    flagged = session.items.get(task__name="Task 1").task
    attestation.something_is_wrong(
        person=owners[1], task=flagged, note="x", by=None, via="my_tasks"
    )
    clean = {item.task.name for item in pre_review.confirmed_by_owners(session)}
    assert "Task 1" not in clean
    walked = []
    item = session_runner.next_pending(session)
    while item is not None:
        walked.append(item.task.name)
        session_runner.record_outcome(item=item, outcome=Outcome.CONFIRMED, note="", by=None)
        item = session_runner.next_pending(session, after=item.position)
    assert "Task 0" not in walked
    assert {"Task 1", "Task 2", "Task 3", "Task 5"} <= set(walked)


def test_a_closed_session_accepts_nothing(client, manager, owners, session):
    _attest_all(owners[0])
    session_runner.close_session(session=session, by=None)
    client.force_login(manager)
    response = client.post(reverse("reviews:accept_confirmed", args=[session.pk]), follow=True)
    assert "This session is closed: outcomes are recorded while it is in progress." in (
        response.content.decode()
    )
    assert not session.items.exclude(outcome=Outcome.PENDING).exists()


def test_a_new_owners_task_is_not_confirmed_by_the_word_of_the_old(owners, session):
    _attest_all(owners[0])
    task = session.items.get(task__name="Task 0").task
    assign_owner(task=task, person=owners[1], by=None)
    # Owner 0's word stands for Task 3, still theirs, not for Task 0, now owner 1's.
    clean = {item.task.name for item in pre_review.confirmed_by_owners(session)}
    assert clean == {"Task 3"}


def test_a_departed_owner_is_not_asked(owners):
    mark_departed(person=owners[2], on=timezone.localdate(), by=None)
    scheduling.sweep()
    session = ReviewSession.objects.get()
    asked = set(
        Notice.objects.filter(kind=NoticeKind.PRE_REVIEW, session=session).values_list(
            "person__name", flat=True
        )
    )
    assert asked == {"Olive Owner", "Pat Owner"}


def test_an_owner_gives_the_metrics_value_with_their_pre_review(client, owners, session):
    refund_delay = Metric.objects.get(name="Refund delay")
    task0, task3 = attestation.owned_by(owners[0])
    update_task(task=task0, by=None, metric=refund_delay)
    client.force_login(owners[0].user)
    url = reverse("reviews:pre_review", args=[session.pk])
    page = client.get(url).content.decode()
    assert f'name="value_{task0.pk}"' in page
    assert f'name="value_{task3.pk}"' not in page

    refused = client.post(url, {f"say_{task0.pk}": "right", f"value_{task0.pk}": "-4"})
    assert "A time cannot be negative." in refused.content.decode()
    assert not Attestation.objects.exists()
    assert not MetricValue.objects.exists()

    response = client.post(
        url, {f"say_{task0.pk}": "right", f"value_{task0.pk}": "2,5"}, follow=True
    )
    assert "Noted: 1 still right, 0 with something wrong, 1 metric value." in (
        response.content.decode()
    )
    value = MetricValue.objects.get()
    assert (value.value, value.task, value.via) == (Decimal("2.5"), task0, MetricValue.Via.REVIEW)
