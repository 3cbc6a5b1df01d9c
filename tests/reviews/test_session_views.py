"""Running a session through its pages: who may, outcomes, the fix in place, pause and resume,
a missing task, closing, the summary and the trend."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ownership import attestation
from ownership.assignments import assign_backup, assign_owner
from reviews import scheduling
from reviews.models import Notice, NoticeKind, Outcome, ReviewSession, SessionStatus
from tests.factories import PersonFactory, ReviewSessionFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(manager):
    for n in range(3):
        TaskFactory(name=f"Task {n}")
    scheduling.sweep()
    return ReviewSession.objects.get()


def _urls(session):
    item = session.items.order_by("position").first()
    return {
        "reads": [
            reverse("reviews:session_list"),
            reverse("reviews:session", args=[session.pk]),
            reverse("reviews:summary", args=[session.pk]),
            reverse("reviews:item", args=[session.pk, item.pk]),
        ],
        "writes": [
            reverse("reviews:start", args=[session.pk]),
            reverse("reviews:pause", args=[session.pk]),
            reverse("reviews:close", args=[session.pk]),
            reverse("reviews:missing_task", args=[session.pk]),
            reverse("reviews:item_outcome", args=[session.pk, item.pk]),
            *(
                reverse("reviews:item_fix", args=[session.pk, item.pk, kind])
                for kind in ("owner", "backup", "done", "rhythm")
            ),
        ],
    }


@pytest.mark.parametrize("cast", ["member", "ops_lead", "manager"])
def test_everyone_in_a_group_may_attend(client, session, cast, request):
    client.force_login(request.getfixturevalue(cast))
    for url in _urls(session)["reads"]:
        assert client.get(url).status_code == 200, url


def test_outsiders_see_no_review(client, session, outsider):
    client.force_login(outsider)
    for url in _urls(session)["reads"]:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("cast", ["member", "ops_lead"])
def test_only_managers_run_sessions(client, session, cast, request):
    client.force_login(request.getfixturevalue(cast))
    for url in _urls(session)["writes"]:
        response = client.post(url, {"outcome": "confirmed", "name": "New", "person": "x"})
        assert response.status_code == 403, url
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert not session.items.exclude(outcome=Outcome.PENDING).exists()


@pytest.mark.parametrize(("cast", "sees_controls"), [("member", False), ("manager", True)])
def test_only_managers_see_the_controls(client, session, request, cast, sees_controls):
    client.force_login(request.getfixturevalue(cast))
    item = session.items.first()
    html = client.get(reverse("reviews:item", args=[session.pk, item.pk])).content.decode()
    assert ('aria-keyshortcuts="C"' in html) is sees_controls
    assert ("Fix the task here" in html) is sees_controls
    html = client.get(reverse("reviews:session", args=[session.pk])).content.decode()
    assert ("Close the session" in html) is sees_controls


def test_recording_an_outcome_moves_to_the_next_item_and_the_progress_bar(
    client, session, manager, htmx_headers
):
    client.force_login(manager)
    first, second = session.items.order_by("position")[:2]
    response = client.post(
        reverse("reviews:item_outcome", args=[session.pk, first.pk]),
        {"outcome": "confirmed", "note": "Still right"},
        **htmx_headers,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f">{second.task.name}</a>" in html
    assert '<progress value="1" max="3"' in html
    assert response["HX-Push-Url"] == reverse("reviews:item", args=[session.pk, second.pk])
    first.refresh_from_db()
    assert (first.outcome, first.note, first.decided_by) == ("confirmed", "Still right", manager)
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS


def test_a_gap_left_open_needs_a_note_saying_who_closes_it(client, session, manager, htmx_headers):
    client.force_login(manager)
    item = session.items.first()
    response = client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]),
        {"outcome": "gap_left_open", "note": "  "},
        **htmx_headers,
    )
    assert response.status_code == 200
    assert "Say who is to close the gap" in response.content.decode()
    item.refresh_from_db()
    assert item.outcome == Outcome.PENDING


def test_an_unknown_outcome_is_refused_where_it_was_typed(client, session, manager):
    client.force_login(manager)
    item = session.items.first()
    response = client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]), {"outcome": "maybe"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_owner_is_changed_in_place_and_the_summary_says_so(client, session, manager):
    client.force_login(manager)
    item = session.items.first()
    sam = PersonFactory(name="Sam Lee")
    PersonFactory(name="Priya Shah")
    assign_owner(task=item.task, person=sam, by=None)
    client.post(reverse("reviews:start", args=[session.pk]))
    response = client.post(
        reverse("reviews:item_fix", args=[session.pk, item.pk, "owner"]), {"person": "Priya Shah"}
    )
    assert "Priya Shah now owns" in response.content.decode()
    client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]),
        {"outcome": "changed", "note": "Sam moved to wholesale"},
    )
    client.post(reverse("reviews:close", args=[session.pk]))
    html = client.get(reverse("reviews:summary", args=[session.pk])).content.decode()
    assert f"Owner of {item.task.name}: Sam Lee → Priya Shah" in html


def test_an_unknown_person_is_refused_at_the_field(client, session, manager):
    client.force_login(manager)
    item = session.items.first()
    response = client.post(
        reverse("reviews:item_fix", args=[session.pk, item.pk, "owner"]), {"person": "Nobody Known"}
    )
    assert response.status_code == 200
    assert "Nobody in the map is called" in response.content.decode()


def test_a_stale_definition_of_done_keeps_the_typed_text(client, session, manager):
    client.force_login(manager)
    item = session.items.first()
    response = client.post(
        reverse("reviews:item_fix", args=[session.pk, item.pk, "done"]),
        {"definition_of_done": "My careful words", "version": item.task.version + 5},
    )
    html = response.content.decode()
    assert "Someone else changed this task" in html
    assert "My careful words" in html


def test_a_retired_outcome_retires_the_task(client, session, manager):
    client.force_login(manager)
    item = session.items.first()
    client.post(reverse("reviews:item_outcome", args=[session.pk, item.pk]), {"outcome": "retired"})
    item.task.refresh_from_db()
    assert item.task.is_active is False


def test_a_paused_session_refuses_outcomes_until_resumed(client, session, manager):
    client.force_login(manager)
    item = session.items.first()
    client.post(reverse("reviews:start", args=[session.pk]))
    client.post(reverse("reviews:pause", args=[session.pk]))
    response = client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]), {"outcome": "confirmed"}
    )
    assert "paused: resume it" in response.content.decode()
    client.post(reverse("reviews:start", args=[session.pk]), {"item": str(item.pk)})
    client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]), {"outcome": "confirmed"}
    )
    item.refresh_from_db()
    assert item.outcome == Outcome.CONFIRMED


def test_resuming_with_a_malformed_item_goes_back_to_the_session(client, session, manager):
    client.force_login(manager)
    response = client.post(reverse("reviews:start", args=[session.pk]), {"item": "1; DROP"})
    assert response.status_code == 302
    assert response.url == reverse("reviews:session", args=[session.pk])


def test_a_missing_task_is_added_from_inside_the_session(client, session, manager):
    client.force_login(manager)
    stage = session.items.first().task.stage
    owner = PersonFactory(name="Ana Costa")
    response = client.post(
        reverse("reviews:missing_task", args=[session.pk]),
        {
            "name": "Gift card reconciliation",
            "stage": stage.pk,
            "criticality": "high",
            "owner": "Ana Costa",
            "rhythm": "monthly on the 1st",
            "definition_of_done": "Balances match the ledger to the cent",
        },
    )
    item = session.items.get(task__name="Gift card reconciliation")
    assert response.status_code == 302
    assert response.url == reverse("reviews:item", args=[session.pk, item.pk])
    assert item.outcome == Outcome.CHANGED
    assert item.task.assignments.get(role="owner").person == owner
    assert item.position == 4


def test_a_missing_task_with_a_bad_rhythm_is_refused_and_nothing_is_written(
    client, session, manager
):
    client.force_login(manager)
    response = client.post(
        reverse("reviews:missing_task", args=[session.pk]),
        {"name": "Half task", "stage": 1, "criticality": "normal", "rhythm": "whenever-ish"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["rhythm"]
    assert 'id="id_rhythm_error"' in response.content.decode()
    assert not session.items.filter(task__name="Half task").exists()


def test_closing_records_the_after_figures_and_emails_the_summary(
    client, session, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reviews:close", args=[session.pk]))
    finally:
        app.conf.task_always_eager = False
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    assert session.map_after["tasks"] == 3
    assert Notice.objects.filter(kind=NoticeKind.SUMMARY).count() == 1
    assert [m.subject for m in mail.outbox] == [f"Summary: {session}"]
    assert "Reviewed: 0 of 3 tasks" in mail.outbox[0].body


def test_a_closed_session_refuses_outcomes_and_fixes(client, session, manager):
    client.force_login(manager)
    item = session.items.first()
    client.post(reverse("reviews:close", args=[session.pk]))
    response = client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]), {"outcome": "confirmed"}
    )
    assert "closed" in response.content.decode()
    response = client.post(
        reverse("reviews:item_fix", args=[session.pk, item.pk, "rhythm"]),
        {"rhythm": "daily", "version": item.task.version},
    )
    assert "This session is closed" in response.content.decode()
    item.refresh_from_db()
    item.task.refresh_from_db()
    assert item.outcome == Outcome.PENDING
    assert item.task.rhythm == "weekly on monday"


def test_the_reviews_page_charts_coverage_and_gaps_at_each_past_session(client, manager):
    for n, (coverage, flagged) in enumerate([(40, 30), (55, 22), (71, 12)]):
        ReviewSessionFactory(
            period=f"2026-Q{n + 1}",
            scheduled_for=datetime.date(2026, 3 * n + 1, 6),
            status=SessionStatus.CLOSED,
            map_after={"coverage": coverage, "flagged": flagged, "counts": {"no_owner": n}},
        )
    client.force_login(manager)
    html = client.get(reverse("reviews:session_list")).content.decode()
    coverage, gaps = html.split('data-panel="gaps"')
    assert gaps.split("</svg>")[0].count("data-value=") == 4  # three sessions, and the map now
    assert coverage.count("data-value=") == 3  # an empty map now has no coverage figure
    assert "Quarterly review 2026-Q1, 6 Jan 2026: 40%" in html
    assert "Quarterly review 2026-Q3, 6 Jul 2026: 12</title>" in html
    assert f"Now, {timezone.localdate():%-d %b %Y}: 0</title>" in html
    assert "<polyline" in html


def _gap_marks(html: str) -> int:
    return html.split('data-panel="gaps"')[1].split("</svg>")[0].count("data-value=")


def test_the_trend_starts_once_a_session_has_closed(client, manager, session):
    client.force_login(manager)
    assert "<svg" not in client.get(reverse("reviews:session_list")).content.decode()
    client.post(reverse("reviews:close", args=[session.pk]))
    html = client.get(reverse("reviews:session_list")).content.decode()
    # The gaps chart: the closed session and the map now (no coverage without critical tasks).
    assert _gap_marks(html) == 2


QUERIES_OF_THE_SESSION_PAGE = 16


@pytest.mark.parametrize("tasks", [6, 60])
def test_the_session_page_queries_do_not_grow_with_its_items(
    client, manager, django_assert_num_queries, tasks
):
    owners = [PersonFactory(name=f"Owner {n}") for n in range(3)]
    backup = PersonFactory(name="Bo Backup")
    for n in range(tasks):
        task = TaskFactory(name=f"Task {n}")
        assign_owner(task=task, person=owners[n % 3], by=None)
        assign_backup(task=task, person=backup, by=None)
    scheduling.sweep()
    session = ReviewSession.objects.get()
    # Half of the owners' tasks attested since the session was made: some confirmed by owners.
    for owner in owners[:2]:
        attestation.attest(person=owner, tasks=attestation.owned_by(owner), by=None, via="my_tasks")
    client.force_login(manager)
    # The session (sign-in), the user with permissions, the review session, the count of its
    # items, the progress, the page of items with their tasks, stages and deciders, the
    # signed-in person for the header, the owners and what they said (pre-review), the items
    # they confirmed (with the gap report and the changes since their last review), and the
    # next item to review: the same for 60 items as for 6.
    with django_assert_num_queries(QUERIES_OF_THE_SESSION_PAGE):
        response = client.get(reverse("reviews:session", args=[session.pk]) + "?show=all")
    assert response.content.decode().count('<tr id="item-row-') == min(tasks, 50)
    assert len(response.context["confirmed"]) == tasks * 2 // 3
    # Session, user with permissions, the open sessions, the past ones (none closed: no trend
    # to draw), the map's gaps (for the attested share), the signed-in person.
    with django_assert_num_queries(6):
        client.get(reverse("reviews:session_list"))


def test_the_reviews_page_queries_do_not_grow_with_its_past_sessions(
    client, manager, django_assert_num_queries
):
    TaskFactory()
    client.force_login(manager)
    for n in range(8):
        ReviewSessionFactory(
            period=f"{2020 + n // 4}-Q{n % 4 + 1}",
            scheduled_for=datetime.date(2020 + n // 4, 3 * (n % 4) + 1, 6),
            status=SessionStatus.CLOSED,
            map_after={"coverage": 50 + n, "flagged": 20 - n, "counts": {}},
        )
        # Session, user with permissions, the open sessions and the past ones with their
        # counts, the gap report (one statement) for the trend's last point, and the signed-in
        # person for the page's header: the same for 8 past sessions as for 1.
        with django_assert_num_queries(6):
            response = client.get(reverse("reviews:session_list"))
        assert _gap_marks(response.content.decode()) == n + 2
