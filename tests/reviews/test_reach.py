"""How someone chose to hear: each notice by email, or the weekly digest only, when what is
escalated to them still comes at once."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.models import Person, Reach
from ownership.permissions import MEMBERS
from reviews import notify, scheduling
from reviews.models import Notice, NoticeKind
from tests.factories import PersonFactory, TaskFactory, UserFactory, due_1_dec

pytestmark = pytest.mark.django_db


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T08:00"))


@pytest.fixture
def quiet_olive(db):
    user = UserFactory(username="olive")
    user.groups.add(Group.objects.get(name=MEMBERS))
    return PersonFactory(name="Olive Owner", user=user, team=None, reach=Reach.DIGEST)


def test_someone_chooses_on_their_own_page_and_nobody_else_can(client, member, quiet_olive):
    client.force_login(quiet_olive.user)
    page = client.get(reverse("ownership:person_detail", args=[quiet_olive.pk]))
    assert "How Ownermap reaches you" in page.content.decode()
    response = client.post(
        reverse("ownership:person_reach", args=[quiet_olive.pk]), {"reach": "email"}, follow=True
    )
    assert "Noted: each notice by email." in response.content.decode()
    assert Person.objects.get(pk=quiet_olive.pk).reach == Reach.EMAIL
    refused = client.post(reverse("ownership:person_reach", args=[quiet_olive.pk]), {"reach": "x"})
    assert refused.status_code == 302
    assert Person.objects.get(pk=quiet_olive.pk).reach == Reach.EMAIL
    client.force_login(member)
    other = client.get(reverse("ownership:person_detail", args=[quiet_olive.pk]))
    assert "How Ownermap reaches you" not in other.content.decode()
    forbidden = client.post(
        reverse("ownership:person_reach", args=[quiet_olive.pk]), {"reach": "digest"}
    )
    assert forbidden.status_code == 403
    assert Person.objects.get(pk=quiet_olive.pk).reach == Reach.EMAIL


def test_the_digest_only_holds_back_their_own_reminders_not_what_is_escalated_to_them(
    quiet_olive, ops_lead, mailoutbox
):
    own = due_1_dec("Payment gateway check")
    backed = due_1_dec("Refund queue check")
    assign_owner(task=own, person=quiet_olive, by=None)
    assign_owner(task=backed, person=PersonFactory(name="Sam Lee", team=None), by=None)
    assign_backup(task=backed, person=quiet_olive, by=None)
    for day in ("2026-12-02", "2026-12-03"):
        for notice_id in scheduling.sweep(at(day)).notices:
            notify.deliver(notice_id)
    to_olive = Notice.objects.filter(person=quiet_olive, task__isnull=False).order_by("pk")
    assert [(n.kind, n.task.name, bool(n.sent_at), n.skipped_because) for n in to_olive] == [
        (
            NoticeKind.OVERDUE,
            "Payment gateway check",
            False,
            "they chose the weekly digest: it says this",
        ),
        (NoticeKind.ESCALATION, "Refund queue check", True, ""),
    ]
    escalated = [m.subject for m in mailoutbox if m.to == [quiet_olive.email]]
    assert "Escalated to you: Refund queue check (due 1 Dec 2026)" in escalated
    assert not [subject for subject in escalated if subject.startswith("Overdue")]
    # Monday's digest says what waited.
    made = scheduling.weekly_digests(at("2026-12-07"))
    digest = Notice.objects.get(pk__in=made, person=quiet_olive)
    message = notify.compose(digest, today=datetime.date(2026, 12, 7))
    assert "- Payment gateway check: OVERDUE since Tue 1 Dec (you are the owner)" in message.body


def test_the_digest_asks_a_quiet_owner_to_attest_even_with_nothing_due(quiet_olive):
    task = TaskFactory(name="Supplier price list review", rhythm="yearly on 15 november")
    assignment = assign_owner(task=task, person=quiet_olive, by=None)
    assignment.confirmed_at = at("2026-08-01")
    assignment.save(update_fields=["confirmed_at"])
    made = scheduling.sweep(at("2026-12-09")).notices  # a Wednesday
    asked = Notice.objects.get(pk__in=made, kind=NoticeKind.ATTEST)
    assert notify.deliver(asked.pk)
    asked.refresh_from_db()
    assert asked.skipped_because == "they chose the weekly digest: it says this"
    digest = Notice.objects.get(kind=NoticeKind.DIGEST, person=quiet_olive)
    message = notify.compose(digest, today=datetime.date(2026, 12, 9))
    assert "Still yours? 1 task to attest" in message.body
    assert "- Supplier price list review (normal, yearly on 15 november" in message.body
    assert "/attest/omat_" in message.body
