"""My tasks, and confirming occurrences done from it and from the task page."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.gap_rules import OVERDUE, gap_report
from ownership.models import Person
from tasks_registry import due
from tasks_registry.completions import record_completion
from tasks_registry.models import Completion, Task
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

MY = reverse("ownership:my_tasks")
WEEK = datetime.timedelta(days=7)


def _task(person, *, role="owner", days_ago=14, **values):
    """A weekly task on today's weekday, its rhythm set `days_ago` days ago."""
    today = timezone.localdate()
    values.setdefault("rhythm", f"weekly on {today:%A}".lower())
    values.setdefault("definition_of_done", "Stock counted\nVariances posted")
    task = TaskFactory(**values)
    (assign_owner if role == "owner" else assign_backup)(task=task, person=person, by=None)
    Task.objects.filter(pk=task.pk).update(rhythm_set_on=today - datetime.timedelta(days=days_ago))
    task.refresh_from_db()
    due.refresh_next_due([task])
    task.refresh_from_db()
    return task


def _confirm(client, task, day, *, ticked=None, next_page="my", headers=None, **extra):
    data = {
        "due_on": day.isoformat(),
        "ticked": task.done_checklist if ticked is None else ticked,
        "next": next_page,
        **extra,
    }
    url = reverse("ownership:completion_create", kwargs={"slug": task.slug})
    return client.post(url, data, **(headers or {}))


@pytest.fixture
def mia(member):
    return Person.objects.get(user=member)


def test_my_tasks_lists_overdue_first_then_due_now_then_what_is_coming(member_client, mia):
    today = timezone.localdate()
    task = _task(mia, name="Weekly stocktake")
    html = member_client.get(MY).content.decode()
    overdue, now, coming = html.index("Overdue"), html.index("Due now"), html.index("Coming up")
    assert overdue < now < coming
    # two weeks missed as one row, today, four to come in the next 30 days, and the holdings
    assert html.count(f'href="{task.get_absolute_url()}">Weekly stocktake</a>') == 7
    oldest = today - 2 * WEEK
    assert f"2 missed since {oldest.day} {oldest:%b}" in html
    assert f'<option value="{oldest.isoformat()}">' in html  # which one to confirm
    assert "Skip all 2 with a reason" in html


def test_my_tasks_shows_a_backup_their_tasks_too_and_who_is_acting(member_client, mia):
    owner = PersonFactory(name="Olga Owner")
    task = _task(owner, name="Vendor calls")
    assign_backup(task=task, person=mia, by=None)
    html = member_client.get(MY).content.decode()
    assert "Vendor calls" in html
    assert '<td data-label="You are">backup</td>' in html
    assert '<td data-label="Acting now">Olga Owner</td>' in html


def test_my_tasks_without_a_linked_person_says_how_to_fix_it(client):
    user = UserFactory(username="loose")
    user.groups.add(Group.objects.get(name="Members"))
    client.force_login(user)
    html = client.get(MY).content.decode()
    assert "not linked to a person on the map" in html


def test_my_tasks_takes_the_same_queries_whatever_the_number_of_tasks(
    member_client, mia, django_assert_num_queries
):
    for n in range(12):
        _task(mia, name=f"Task {n}", role="owner" if n % 2 else "backup")
    # session, user, person, their roles with the tasks, the tasks' owners and backups, the
    # attestation periods (they own some), the completions (no campaign rhythm: no campaigns
    # query), the header's person
    with django_assert_num_queries(8):
        response = member_client.get(MY)
    assert response.status_code == 200


def test_the_owner_confirms_an_overdue_occurrence_and_it_leaves_the_overdue_list(
    member_client, mia, htmx_headers
):
    today = timezone.localdate()
    task = _task(mia, name="Stock count")
    oldest = today - 2 * WEEK
    assert gap_report(on=today).by_rule[OVERDUE] == [task.pk]
    response = _confirm(member_client, task, oldest, headers=htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="my-due">')
    assert "is confirmed done for" in html
    completion = Completion.objects.get()
    assert (completion.task, completion.due_on, completion.completed_by.username) == (
        task,
        oldest,
        "member",
    )
    assert completion.definition_of_done == task.definition_of_done
    assert completion.history.get().history_user.username == "member"
    task.refresh_from_db()
    assert task.next_due_on == today - WEEK


def test_confirming_every_missed_occurrence_clears_the_overdue_flag(member_client, mia):
    today = timezone.localdate()
    task = _task(mia, name="Stock count")
    for day in (today - 2 * WEEK, today - WEEK):
        assert _confirm(member_client, task, day).status_code == 302
    assert gap_report(on=today).by_rule[OVERDUE] == []
    assert Task.objects.get(pk=task.pk).next_due_on == today


def test_without_javascript_a_confirmation_redirects_back_with_a_message(member_client, mia):
    task = _task(mia)
    response = _confirm(member_client, task, timezone.localdate(), next_page="task")
    assert response.status_code == 302
    assert response.url == task.get_absolute_url()
    page = member_client.get(response.url).content.decode()
    assert "is confirmed done for" in page


def test_a_point_of_the_definition_of_done_left_unticked_is_refused_at_its_form(
    member_client, mia, htmx_headers
):
    today = timezone.localdate()
    task = _task(mia)
    response = _confirm(
        member_client,
        task,
        today,
        ticked=["Stock counted"],
        headers=htmx_headers,
        evidence_url="https://drive.example/count.xlsx",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tick every point of the definition of done; still open: Variances posted" in html
    assert 'value="https://drive.example/count.xlsx"' in html  # what they typed is kept
    assert '<details class="confirm" open>' in html
    assert not Completion.objects.exists()


@pytest.mark.parametrize(
    ("day_offset", "message"),
    [(-100, "is not due on"), (3, "is not due on"), (400, "is not due on")],
)
def test_a_day_that_is_not_an_occurrence_is_refused(member_client, mia, day_offset, message):
    task = _task(mia)
    day = timezone.localdate() + datetime.timedelta(days=day_offset)
    response = _confirm(member_client, task, day, next_page="task")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Completion.objects.exists()


def test_a_second_confirmation_of_the_same_day_is_refused_naming_who_did_it(member_client, mia):
    task = _task(mia)
    today = timezone.localdate()
    _confirm(member_client, task, today)
    response = _confirm(member_client, task, today, next_page="task")
    assert "is already confirmed done, by" in response.content.decode()
    assert Completion.objects.count() == 1


def test_a_malformed_evidence_link_is_refused_with_a_message(member_client, mia):
    task = _task(mia)
    response = _confirm(member_client, task, timezone.localdate(), evidence_url="not a link")
    assert "Enter a valid URL." in response.content.decode()
    assert not Completion.objects.exists()


@pytest.mark.parametrize("cast", ["member", "ops_lead", "manager", "outsider"])
def test_nobody_but_the_owner_or_backup_can_confirm_whatever_their_group(client, request, cast):
    user = request.getfixturevalue(cast)
    task = _task(PersonFactory(name="Someone Else"))
    client.force_login(user)
    response = _confirm(client, task, timezone.localdate())
    assert response.status_code == 403
    assert not Completion.objects.exists()


def test_an_anonymous_confirmation_is_sent_to_sign_in(client):
    task = _task(PersonFactory())
    assert _confirm(client, task, timezone.localdate()).status_code == 302
    assert not Completion.objects.exists()


def test_members_who_are_not_the_owner_see_no_confirm_form_on_the_task_page(member_client):
    task = _task(PersonFactory())
    html = member_client.get(task.get_absolute_url()).content.decode()
    assert "Confirm done" not in html
    assert f"/tasks/{task.slug}/done" not in html


def test_the_owner_sees_the_confirm_form_with_the_checklist_on_the_task_page(member_client, mia):
    task = _task(mia)
    html = member_client.get(task.get_absolute_url()).content.decode()
    assert reverse("ownership:completion_create", kwargs={"slug": task.slug}) in html
    assert 'name="ticked" value="Variances posted"' in html
    assert "(past)" in html
    assert "(today)" in html


def test_the_task_page_fragment_comes_back_after_a_confirmation_from_it(
    member_client, mia, htmx_headers
):
    task = _task(mia)
    response = _confirm(
        member_client, task, timezone.localdate(), next_page="task", headers=htmx_headers
    )
    html = response.content.decode().lstrip()
    assert html.startswith('<section id="task-due"')
    assert "Confirmed done" in html
    assert "undo</button>" in html


def test_the_author_undoes_a_confirmation_within_a_day(member_client, mia, member):
    task = _task(mia)
    completion = record_completion(
        task=task, due_on=timezone.localdate(), by=member, ticked=task.done_checklist
    )
    url = reverse("ownership:completion_undo", kwargs={"pk": completion.pk})
    response = member_client.post(url, {"next": "my"})
    assert response.status_code == 302
    assert not Completion.objects.exists()
    assert Completion.history.filter(history_type="-").get().history_user == member
    assert Task.objects.get(pk=task.pk).next_due_on == timezone.localdate() - 2 * WEEK


def test_a_confirmation_older_than_a_day_cannot_be_undone(member_client, mia, member):
    task = _task(mia)
    completion = record_completion(
        task=task, due_on=timezone.localdate(), by=member, ticked=task.done_checklist
    )
    Completion.objects.filter(pk=completion.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    url = reverse("ownership:completion_undo", kwargs={"pk": completion.pk})
    response = member_client.post(url, {"next": "task"}, follow=True)
    assert "can be undone within a day of making it" in response.content.decode()
    assert Completion.objects.count() == 1


def test_someone_elses_confirmation_cannot_be_undone(client, ops_lead, mia, member):
    task = _task(mia)
    completion = record_completion(
        task=task, due_on=timezone.localdate(), by=member, ticked=task.done_checklist
    )
    client.force_login(ops_lead)
    url = reverse("ownership:completion_undo", kwargs={"pk": completion.pk})
    assert client.post(url).status_code == 403
    assert Completion.objects.count() == 1


def test_an_ad_hoc_task_is_recorded_as_done_today_once(member_client, mia):
    task = _task(mia, rhythm="ad hoc", definition_of_done="Photos uploaded to the PIM")
    today = timezone.localdate()
    assert _confirm(member_client, task, today).status_code == 302
    again = _confirm(member_client, task, today, next_page="task")
    assert "is already confirmed done" in again.content.decode()
    assert Completion.objects.get().due_on == today
    assert Task.objects.get(pk=task.pk).next_due_on is None


def test_a_confirmation_and_its_undoing_are_in_the_tasks_history_in_words(
    member_client, mia, member
):
    task = _task(mia)
    today = timezone.localdate()
    completion = record_completion(task=task, due_on=today, by=member, ticked=task.done_checklist)
    member_client.post(reverse("ownership:completion_undo", kwargs={"pk": completion.pk}))
    html = member_client.get(task.get_absolute_url()).content.decode()
    day = f"{today:%a} {today.day} {today:%b %Y}"
    assert f"<strong>Mia Member</strong> confirmed the occurrence due {day} done" in html
    assert (
        f"<strong>Mia Member</strong> took back the confirmation of the occurrence due {day}"
        in html
    )
