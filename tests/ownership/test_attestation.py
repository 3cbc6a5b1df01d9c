"""Attestation, "still mine": the unattested rule, attesting from My tasks and the task page,
"something is wrong" reaching the ops leads, the sweep's one ask per owner per period, and the
email's link that works once, for its person, until it expires."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from ownership import attestation
from ownership.assignments import assign_backup, assign_owner
from ownership.gap_facts import refresh_gap_facts
from ownership.gap_rules import STALE, UNATTESTED, gap_report, task_gaps
from ownership.models import Attestation, AttestLink
from ownership.permissions import MEMBERS
from ownership.policies import save_policy
from reviews import notify, scheduling
from reviews.models import Notice, NoticeKind
from tasks_registry.models import Criticality, Task
from tests.factories import PersonFactory, ReviewSessionFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def olive(db):
    user = UserFactory(username="olive")
    user.groups.add(Group.objects.get(name=MEMBERS))
    return PersonFactory(name="Olive Owner", user=user, email="olive@example.com", team=None)


def _owned(person, name: str, *, taken_days_ago: int, criticality=Criticality.CRITICAL):
    task = TaskFactory(name=name, criticality=criticality)
    assignment = assign_owner(task=task, person=person, by=None)
    assignment.confirmed_at = timezone.now() - datetime.timedelta(days=taken_days_ago)
    assignment.save(update_fields=["confirmed_at"])
    return task


def _unattested(on=None) -> list[int]:
    return gap_report(on=on or timezone.localdate()).by_rule[UNATTESTED]


def test_a_task_is_unattested_once_its_owners_word_is_older_than_its_period(olive):
    critical = _owned(olive, "Payment gateway check", taken_days_ago=31)
    fresh = _owned(olive, "Refund queue check", taken_days_ago=29)
    normal = _owned(olive, "Returns label check", taken_days_ago=60, criticality="normal")
    assert _unattested() == [critical.pk]
    row = task_gaps(critical, on=timezone.localdate())
    taken = timezone.localdate(timezone.now() - datetime.timedelta(days=31))
    assert UNATTESTED.detail(row) == (
        f"Olive Owner has not attested it since taking it on {taken:%-d %b %Y} (every 30 days)."
    )
    # The ops leads' policy moves the line.
    save_policy(
        criticality="normal",
        steps=[("owner", 0)],
        attest_every_days=45,
        version=0,
        by=UserFactory(),
    )
    assert sorted(_unattested()) == sorted([critical.pk, normal.pk])
    assert fresh.pk not in _unattested()


def test_attesting_clears_the_rule_counts_for_the_stale_rule_and_moves_the_share(olive):
    task = _owned(olive, "Payment gateway check", taken_days_ago=200)
    Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - 200 * DAY)
    refresh_gap_facts([task.pk])  # past the write functions, as a bulk write does
    before = gap_report(on=timezone.localdate())
    assert task.pk in before.by_rule[STALE]
    assert (before.attested.covered, before.attested.total) == (0, 1)
    attestation.attest(person=olive, tasks=[task], by=olive.user, via="my_tasks")
    after = gap_report(on=timezone.localdate())
    assert task.pk not in after.by_rule[UNATTESTED]
    assert task.pk not in after.by_rule[STALE]
    assert after.attested.percent == 100
    # Thirty-one days on, it is due again.
    assert _unattested(on=timezone.localdate() + 31 * DAY) == [task.pk]


def test_only_the_owner_attests(olive):
    task = _owned(olive, "Payment gateway check", taken_days_ago=40)
    backup = PersonFactory(name="Ben Backup", team=None)
    assign_backup(task=task, person=backup, by=None)
    with pytest.raises(attestation.ValidationError, match="you do not own Payment gateway check"):
        attestation.attest(person=backup, tasks=[task], by=None, via="my_tasks")
    assert not Attestation.objects.exists()


def test_my_tasks_attests_one_task_or_all_of_them_in_one_click(client, olive, htmx_headers):
    first = _owned(olive, "Payment gateway check", taken_days_ago=40)
    second = _owned(olive, "Refund queue check", taken_days_ago=40)
    client.force_login(olive.user)
    page = client.get(reverse("ownership:my_tasks")).content.decode()
    assert page.count('<span class="badge badge-bad">unattested</span>') == 2
    response = client.post(
        reverse("ownership:attest_task", args=[first.slug]), {"next": "my"}, **htmx_headers
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section aria-labelledby="mine-title" id="mine">')
    assert "“Payment gateway check” is still yours and still right: noted." in html
    assert html.count("unattested") == 1
    response = client.post(reverse("ownership:attest_all"), {"next": "my"}, **htmx_headers)
    assert "All 2 tasks you own: noted." in response.content.decode()
    assert _unattested() == []
    assert Attestation.objects.filter(via="my_tasks").count() == 3
    assert Task.objects.get(pk=second.pk).attested_at is not None


def test_someone_who_owns_nothing_is_told_so(member_client, htmx_headers):
    response = member_client.post(reverse("ownership:attest_all"), {}, **htmx_headers)
    assert "You own no task: nothing to attest." in response.content.decode()


def test_the_task_page_attests_and_takes_a_note_for_the_ops_leads(client, olive, ops_lead):
    task = _owned(olive, "Payment gateway check", taken_days_ago=40)
    client.force_login(olive.user)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "Not attested since its owner took it on" in page
    assert "Still mine and still right" in page
    url = reverse("ownership:something_wrong", args=[task.slug])
    refused = client.post(url, {"note": "  ", "next": "task"}, HTTP_HX_REQUEST="true")
    assert 'aria-describedby="wrong-error"' in refused.content.decode()
    assert "Say what is wrong: the ops leads read it." in refused.content.decode()
    response = client.post(
        url, {"note": "The backup left the team in May.", "next": "task"}, HTTP_HX_REQUEST="true"
    )
    assert "the ops leads get your note at the next sweep" in response.content.decode()
    made = scheduling.sweep().notices
    [notice] = Notice.objects.filter(pk__in=made, kind=NoticeKind.ATTEST_PROBLEM)
    assert notice.person.user == ops_lead
    message = notify.compose(notice)
    assert message.subject == "Something is wrong with Payment gateway check"
    assert '"The backup left the team in May."' in message.body
    assert not scheduling.attestation_problems(timezone.now())  # once
    # A note is not an attestation.
    assert task.pk in _unattested()
    response = client.post(
        reverse("ownership:attest_task", args=[task.slug]), {"next": "task"}, follow=True
    )
    assert "still yours and still right" in response.content.decode()
    assert task.pk not in _unattested()


def test_the_sweep_asks_each_owner_once_a_period_in_one_message(olive, mailoutbox):
    for name in ("Payment gateway check", "Refund queue check"):
        _owned(olive, name, taken_days_ago=40)
    _owned(olive, "Returns label check", taken_days_ago=5)
    # This quarter's review is made already: its pre-review would join the same letter.
    this_quarter = scheduling.period_label(*scheduling.quarter_of(timezone.localdate()))
    ReviewSessionFactory(period=this_quarter)
    made = scheduling.sweep().notices
    [ask] = Notice.objects.filter(pk__in=made, kind=NoticeKind.ATTEST)
    assert ask.person == olive
    again = scheduling.sweep().notices
    assert not Notice.objects.filter(pk__in=again, kind=NoticeKind.ATTEST).exists()
    assert notify.deliver(ask.pk)
    [email] = mailoutbox
    assert email.subject == "Still yours? 2 tasks to attest"
    assert "- Payment gateway check (critical" in email.body
    assert "Returns label check" not in email.body
    secret = re.search(r"/attest/(omat_[\w-]+)", email.body).group(1)
    assert AttestLink.objects.get().task_ids == sorted(
        Task.objects.exclude(name="Returns label check").values_list("pk", flat=True)
    )
    assert secret


def test_the_link_works_once_for_its_person_and_never_after(client, olive, ops_lead):
    task = _owned(olive, "Payment gateway check", taken_days_ago=40)
    secret = attestation.issue_link(olive, [task.pk])
    url = reverse("ownership:attest_link", args=[secret])
    shown = client.get(url)  # a mail scanner's fetch changes nothing
    assert shown.status_code == 200
    assert "Still yours, Olive Owner?" in shown.content.decode()
    assert task.pk in _unattested()
    # Someone else signed in cannot use it.
    client.force_login(ops_lead)
    other = client.post(url)
    assert other.status_code == 410
    assert "This link is for Olive Owner" in other.content.decode()
    assert task.pk in _unattested()
    client.logout()
    done = client.post(url)
    assert done.status_code == 200
    assert "Noted, thank you" in done.content.decode()
    assert task.pk not in _unattested()
    again = client.post(url)
    assert again.status_code == 410
    assert "each works once" in again.content.decode()
    assert Attestation.objects.filter(via="email_link").count() == 1


def test_an_expired_or_made_up_link_changes_nothing(client, olive):
    task = _owned(olive, "Payment gateway check", taken_days_ago=40)
    secret = attestation.issue_link(olive, [task.pk])
    AttestLink.objects.update(expires_at=timezone.now() - DAY)
    expired = client.post(reverse("ownership:attest_link", args=[secret]))
    assert expired.status_code == 410
    assert "This link has expired." in expired.content.decode()
    made_up = client.get(reverse("ownership:attest_link", args=["omat_nothing"]))
    assert made_up.status_code == 410
    assert "not one Ownermap made" in made_up.content.decode()
    assert not Attestation.objects.exists()
