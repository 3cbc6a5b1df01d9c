"""Closing a session safely, and nothing unreviewed forgotten: closing asks first and lists
what is still unreviewed; closing twice is refused and sends nothing twice; the summary lists
what was not reviewed, which goes to the next session of its kind or to a follow-up."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_owner
from reviews import scheduling, session_runner
from reviews.models import ItemReason, Notice, NoticeKind, Outcome, ReviewKind, ReviewSession
from reviews.notify import compose
from tasks_registry.changes import update_task
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(manager):
    owner = PersonFactory(name="Sam Lee")
    for name in ("Promo code QA", "Stock sync", "Returns notices"):
        assign_owner(task=TaskFactory(name=name), person=owner, by=None)
    scheduling.sweep()
    return ReviewSession.objects.get()


def _item(session, name):
    return session.items.get(task__name=name)


def _decide(session, name, outcome=Outcome.CONFIRMED, note=""):
    session_runner.record_outcome(item=_item(session, name), outcome=outcome, note=note, by=None)


def _close(client, session):
    return client.post(reverse("reviews:close", args=[session.pk]), follow=True)


def test_closing_asks_first_and_lists_what_is_unreviewed(client, manager, session):
    _decide(session, "Promo code QA")
    client.force_login(manager)
    detail = client.get(reverse("reviews:session", args=[session.pk])).content.decode()
    assert 'action="/reviews/' not in detail.split("session-close")[1][:200]
    assert "listing the 2 items not reviewed" in detail

    page = client.get(reverse("reviews:close", args=[session.pk])).content.decode()

    assert "2 items not reviewed" in page
    assert "Stock sync" in page
    assert "Returns notices" in page
    assert "Promo code QA" not in page
    assert "Close with 2 not reviewed and send the summary" in page
    session.refresh_from_db()
    assert session.status != "closed"


def test_closing_twice_is_refused_and_sends_nothing_twice(client, manager, session):
    client.force_login(manager)
    _close(client, session)
    notices = Notice.objects.filter(kind=NoticeKind.SUMMARY).count()
    assert notices >= 1

    response = _close(client, session)

    assert "This session was closed already" in response.content.decode()
    assert "nothing was sent again" in response.content.decode()
    assert Notice.objects.filter(kind=NoticeKind.SUMMARY).count() == notices
    assert client.get(reverse("reviews:close", args=[session.pk])).status_code == 302


def test_a_session_closed_with_nothing_walked_says_so(client, manager, session):
    client.force_login(manager)
    page = _close(client, session).content.decode()
    assert "None known: no task was reviewed." in page
    assert "Not reviewed (3)" in page
    assert page.count("waiting for the next quarterly review") == 3
    [notice] = Notice.objects.filter(kind=NoticeKind.SUMMARY, person=manager.person)
    text = compose(notice).body
    assert "Gaps still open:\n- None: no task was reviewed." in text
    assert "Not reviewed (3):\n- Promo code QA\n" in text


def test_a_follow_up_takes_the_unreviewed_items(client, manager, session):
    _decide(session, "Promo code QA")
    client.force_login(manager)
    _close(client, session)
    on = timezone.localdate() + datetime.timedelta(days=7)

    response = client.post(reverse("reviews:follow_up", args=[session.pk]), {"on": on})

    follow_up = ReviewSession.objects.get(kind=ReviewKind.FOLLOW_UP)
    assert response.status_code == 302
    assert response.url == reverse("reviews:session", args=[follow_up.pk])
    assert follow_up.follows == session
    assert follow_up.scheduled_for == on
    assert str(follow_up) == f"Follow-up to the {session}"
    items = follow_up.items.order_by("position")
    assert [item.task.name for item in items] == ["Returns notices", "Stock sync"]
    assert {item.reason for item in items} == {ItemReason.CARRIED}
    assert {item.carried_from for item in items} == {
        _item(session, "Stock sync"),
        _item(session, "Returns notices"),
    }
    summary = client.get(reverse("reviews:summary", args=[session.pk])).content.decode()
    assert summary.count("carried to the <a href=") == 2
    assert "Schedule a follow-up" not in summary

    again = client.post(reverse("reviews:follow_up", args=[session.pk]), {"on": on})
    assert again.status_code == 400
    assert "Nothing is waiting" in again.content.decode()
    assert ReviewSession.objects.filter(kind=ReviewKind.FOLLOW_UP).count() == 1


@pytest.mark.parametrize(
    ("on", "message"),
    [("", "Choose the day of the follow-up."), ("2001-01-01", "cannot be in the past")],
)
def test_a_bad_follow_up_day_is_refused_at_the_field(client, manager, session, on, message):
    client.force_login(manager)
    _close(client, session)
    response = client.post(reverse("reviews:follow_up", args=[session.pk]), {"on": on})
    assert response.status_code == 400
    assert '<small class="error" id="on-error">' in response.content.decode()
    assert message in response.content.decode()
    assert not ReviewSession.objects.filter(kind=ReviewKind.FOLLOW_UP).exists()


def test_a_follow_up_of_an_open_session_is_refused(client, manager, session):
    client.force_login(manager)
    on = timezone.localdate()
    response = client.post(reverse("reviews:follow_up", args=[session.pk]), {"on": on})
    assert response.status_code == 400
    assert "once the session is closed" in response.content.decode()


def test_the_next_session_of_its_kind_carries_what_was_not_reviewed(manager, session):
    _decide(session, "Promo code QA")
    session_runner.close_session(session=session, by=None)
    retired = _item(session, "Returns notices").task
    update_task(task=retired, by=None, is_active=False)

    next_quarter = timezone.now() + datetime.timedelta(days=95)
    scheduling.sweep(now=next_quarter)

    following = ReviewSession.objects.exclude(pk=session.pk).get(kind=ReviewKind.QUARTERLY)
    first = following.items.order_by("position").first()
    assert first.task.name == "Stock sync"
    assert first.reason == ItemReason.CARRIED
    assert first.carried_from == _item(session, "Stock sync")
    # A task retired since is not carried; the reviewed one is walked as every quarter.
    assert not following.items.filter(task=retired).exists()
    assert _item(following, "Promo code QA").reason == ItemReason.QUARTERLY
    # Carried once: the quarter after finds nothing more to carry from it.
    assert following.items.filter(reason=ItemReason.CARRIED).count() == 1


# --- The summary: right, and reaching the right people ---------------------------------------


def test_what_changed_is_only_the_sessions_own(client, manager, session):
    outsider = PersonFactory(name="Olu Elsewhere")
    session_runner.start_session(session=session, by=manager)
    task = _item(session, "Stock sync").task
    client.force_login(manager)
    client.post(
        reverse("reviews:item_fix", args=[session.pk, _item(session, "Stock sync").pk, "owner"]),
        {"person": outsider.name},
    )
    # A participant's edit elsewhere meanwhile, and a non-participant's.
    update_task(task=_item(session, "Promo code QA").task, by=manager, name="Promo codes QA")
    stranger = PersonFactory(name="Stan Stranger", user=UserFactory())
    update_task(task=_item(session, "Returns notices").task, by=stranger.user, name="Returns")

    page = client.get(reverse("reviews:summary", args=[session.pk])).content.decode()

    assert f"Owner of {task.name}: Sam Lee → Olu Elsewhere" in page
    assert "Promo codes QA" in page
    assert "by a participant outside the session's items" in page
    assert "Returns notices → Returns" not in page
    assert page.index("Sam Lee → Olu Elsewhere") < page.index("Promo codes QA")


def test_the_person_named_to_close_a_gap_gets_the_summary_with_theirs_first(manager, session):
    owner = PersonFactory(name="Nia Named")
    task = _item(session, "Stock sync").task
    assign_owner(task=task, person=owner, by=None)
    _decide(session, "Stock sync", Outcome.GAP_LEFT_OPEN, "Nia writes the definition of done")
    session_runner.close_session(session=session, by=None)

    notice = Notice.objects.get(kind=NoticeKind.SUMMARY, person=owner)
    text = compose(notice).body
    assert "Yours to close:\n- Stock sync" in text
    assert text.index("Yours to close") < text.index("Reviewed:")
    assert owner not in session.participants.all()


def test_a_retired_tasks_item_shows_its_people_then_and_now(client, manager, session):
    item = _item(session, "Stock sync")
    update_task(task=item.task, by=None, is_active=False)
    newcomer = PersonFactory(name="Nora New")
    assign_owner(task=item.task, person=newcomer, by=None)
    client.force_login(manager)
    page = client.get(reverse("reviews:item", args=[session.pk, item.pk])).content.decode()
    assert "Nora New" in page
    assert "(when the session was made: Sam Lee)" in page
    assert "<dt>Owner</dt><dd><strong>Nobody</strong>" not in page
