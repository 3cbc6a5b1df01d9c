"""The fast session runner: one button (and one key) per outcome, outcomes from the list with
each row's owner, backup and gaps, the fix panel open while fixing, and the people who help
named with one click to make one the owner."""

import pytest
from django.urls import reverse

from ownership.assignments import assign, assign_owner
from ownership.models import Assignment, Role
from reviews import scheduling
from reviews.models import Outcome, ReviewSession
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def session(db):
    sam = PersonFactory(name="Sam Lee")
    assign_owner(task=TaskFactory(name="Promo code QA"), person=sam, by=None)
    helped = TaskFactory(name="Stock sync")
    for name in ("Cleo Contributor", "Chet Checker"):
        role = Role.CONTRIBUTOR if name.startswith("Cleo") else Role.CHECKER
        assign(task=helped, person=PersonFactory(name=name), role=role, by=None)
    scheduling.sweep()
    return ReviewSession.objects.get()


def _item(session, name):
    return session.items.get(task__name=name)


def test_one_button_per_outcome_each_with_its_key(client, manager, session):
    client.force_login(manager)
    item = _item(session, "Promo code QA")
    page = client.get(reverse("reviews:item", args=[session.pk, item.pk])).content.decode()
    for value, key in (
        ("confirmed", "C"),
        ("changed", "H"),
        ("retired", "R"),
        ("gap_left_open", "G"),
    ):
        button = f'value="{value}" data-shortcut="{key.lower()}" aria-keyshortcuts="{key}"'
        assert f'name="outcome" {button}' in page
    assert 'data-shortcut="n"' in page
    assert '<dialog id="shortcut-help"' in page
    assert f'data-title="Promo code QA · {session}"' in page
    response = client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]),
        {"outcome": "confirmed"},
        **HTMX,
    )
    item.refresh_from_db()
    assert item.outcome == Outcome.CONFIRMED
    assert 'id="item-title" tabindex="-1"' in response.content.decode()


def test_the_list_shows_people_and_gaps_and_records_outcomes(client, manager, session):
    client.force_login(manager)
    page = client.get(reverse("reviews:session", args=[session.pk]) + "?show=all").content.decode()
    row = page[page.index(f'id="item-row-{_item(session, "Promo code QA").pk}"') :].split("</tr>")[
        0
    ]
    assert "<td>Sam Lee</td>" in row
    assert "No backup" in row
    item = _item(session, "Promo code QA")

    response = client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]),
        {"outcome": "confirmed", "from": "list"},
        **HTMX,
    )

    html = response.content.decode()
    assert (
        html.startswith(f'\n      <tr id="item-row-{item.pk}">')
        or f'<tr id="item-row-{item.pk}">' in html
    )
    assert "Confirmed" in html
    assert 'id="session-progress" class="session-progress" data-hx-swap-oob="true"' in html
    assert "<strong>1</strong> of 2 decided" in html
    item.refresh_from_db()
    assert item.outcome == Outcome.CONFIRMED


def test_a_refusal_from_the_list_stays_in_its_row(client, manager, session):
    client.force_login(manager)
    item = _item(session, "Stock sync")
    response = client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]),
        {"outcome": "gap_left_open", "from": "list"},
        **HTMX,
    )
    html = response.content.decode()
    assert 'role="alert">Say who is to close the gap' in html
    item.refresh_from_db()
    assert item.outcome == Outcome.PENDING
    # Without HTMX: back to the list, with the message.
    plain = client.post(
        reverse("reviews:item_outcome", args=[session.pk, item.pk]),
        {"outcome": "gap_left_open", "from": "list"},
        follow=True,
    )
    assert "Say who is to close the gap" in plain.content.decode()


def test_the_helpers_are_named_and_one_click_makes_one_the_owner(client, manager, session):
    client.force_login(manager)
    item = _item(session, "Stock sync")
    page = client.get(reverse("reviews:item", args=[session.pk, item.pk])).content.decode()
    assert "Helping, no owner" in page
    assert 'Cleo Contributor <small class="muted">(contributor)</small>' in page
    assert 'Chet Checker <small class="muted">(checker)</small>' in page
    cleo = Assignment.objects.get(person__name="Cleo Contributor").person

    response = client.post(
        reverse("reviews:item_fix", args=[session.pk, item.pk, "owner"]),
        {"person": f"{cleo.name} <{cleo.email}>"},
        **HTMX,
    )

    owner = Assignment.objects.get(task=item.task, role=Role.OWNER)
    assert owner.person == cleo
    # The fix panel stays open for the next fix.
    assert '<details class="fix-in-place" open>' in response.content.decode()
