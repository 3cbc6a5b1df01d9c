"""The Promises pages, a task page's promises, an owner's "updated to the new wording", and a
lookup in customers' words finding the promise and its owner."""

import pytest
from django.urls import reverse

from ownership.assignments import assign_backup, assign_owner
from ownership.gap_rules import PROMISE_CHANGED, gap_report
from tasks_registry.models import Promise, PromiseKind, PromiseLink
from tasks_registry.promises import create_promise, link_task, update_promise
from tests.factories import PersonFactory, TaskFactory

pytestmark = pytest.mark.django_db
OLD = "We deliver within 3 business days of your order."
NEW = "We deliver within 5 business days of your order."


@pytest.fixture
def delivery(ops_lead):
    owning = TaskFactory(name="Shipping promise")
    assign_owner(task=owning, person=PersonFactory(name="Dana Kowalski"), by=None)
    return create_promise(
        by=ops_lead,
        name="Delivery within 3 business days",
        kind=PromiseKind.DELIVERY_TIME,
        wording=OLD,
        value="3 business days",
        owning_task=owning,
    )


@pytest.fixture
def email_place(delivery, member, ops_lead):
    """The order confirmation email, owned by the member, repeating the promise."""
    task = TaskFactory(name="Order confirmation email")
    assign_owner(task=task, person=member.person, by=None)
    return link_task(promise=delivery, task=task, place="order confirmation email", by=ops_lead)


def _edit(client, promise, **changes):
    data = {
        "name": promise.name,
        "kind": promise.kind,
        "wording": promise.wording,
        "value": promise.value,
        "owning_task": promise.owning_task.name,
        "version": promise.version,
    } | changes
    return client.post(reverse("ownership:promise_edit", args=[promise.pk]), data)


def test_the_list_shows_each_promise_its_owner_and_its_places(
    client, member, delivery, email_place, ops_lead, django_assert_num_queries
):
    client.force_login(member)
    url = reverse("ownership:promise_list")
    # session, user and permissions, promises, their places, their tasks' owners and backups,
    # the reader's person (may they say a place was updated?)
    with django_assert_num_queries(6):
        html = client.get(url).content.decode()
    assert "Delivery within 3 business days" in html
    assert "Dana Kowalski" in html
    assert "Order confirmation email</a> in order confirmation email" in html
    assert "up to date" in html

    for n in range(3):
        owning = TaskFactory()
        promise = create_promise(
            by=ops_lead, name=f"Promise {n}", kind="other", wording="Words.", owning_task=owning
        )
        for _ in range(2):
            link_task(promise=promise, task=TaskFactory(), place="FAQ", by=ops_lead)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


def test_an_ops_lead_adds_a_promise_and_bad_input_is_refused_at_its_field(client, ops_lead):
    client.force_login(ops_lead)
    url = reverse("ownership:promise_create")
    response = client.post(
        url, {"name": "Returns within 30 days", "kind": "return_window", "wording": " "}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Write the promise as customers read it." in html
    assert "Choose the task accountable for this promise." in html
    assert 'value="Returns within 30 days"' in html  # what they typed stays

    response = client.post(
        url,
        {
            "name": "Returns within 30 days",
            "kind": "return_window",
            "wording": "Return anything within 30 days.",
            "owning_task": "Returns polcy",
        },
    )
    assert response.status_code == 422
    assert "No task on the map is called “Returns polcy”" in response.content.decode()
    assert not Promise.objects.exists()

    TaskFactory(name="Returns policy")
    response = client.post(
        url,
        {
            "name": "Returns within 30 days",
            "kind": "return_window",
            "wording": "Return anything within 30 days.",
            "value": "30 days",
            "owning_task": "returns POLICY",
        },
    )
    promise = Promise.objects.get()
    assert response.status_code == 302
    assert response["Location"] == promise.get_absolute_url()
    assert promise.owning_task.name == "Returns policy"


def test_members_read_promises_but_do_not_edit_them(client, member, delivery):
    client.force_login(member)
    assert client.get(delivery.get_absolute_url()).status_code == 200
    assert client.get(reverse("ownership:promise_create")).status_code == 403
    assert _edit(client, delivery, wording=NEW).status_code == 403
    delivery.refresh_from_db()
    assert delivery.wording == OLD


def test_a_new_wording_says_how_many_places_must_be_rechecked(client, ops_lead, email_place):
    client.force_login(ops_lead)
    response = _edit(client, email_place.promise, wording=NEW, value="5 business days")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "1 place repeating it must be re-checked; their owners are told." in page
    assert "not yet" in page
    assert gap_report(on=email_place.created_at.date()).by_rule[PROMISE_CHANGED] == [
        email_place.task_id
    ]


def test_a_stale_edit_is_refused_with_the_typing_kept(client, ops_lead, delivery):
    client.force_login(ops_lead)
    update_promise(promise=delivery, by=ops_lead, value="3 days")
    response = _edit(client, delivery, wording=NEW)  # filled from version 1
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this promise while you were editing it." in html
    assert NEW in html
    delivery.refresh_from_db()
    assert delivery.wording == OLD


def test_a_task_linked_twice_is_refused_at_the_field(client, ops_lead, email_place):
    client.force_login(ops_lead)
    url = reverse("ownership:promise_place_add", args=[email_place.promise_id])
    response = client.post(url, {"task": "Order confirmation email", "place": "footer"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "already repeats “Delivery within 3 business days”" in html
    assert 'id="id_task_error"' in html
    assert PromiseLink.objects.count() == 1

    TaskFactory(name="FAQ upkeep")
    response = client.post(url, {"task": "FAQ upkeep", "place": "FAQ › Shipping"})
    assert response.status_code == 302
    assert PromiseLink.objects.count() == 2


def test_the_owner_confirms_on_the_task_page_and_the_flag_clears_in_place(
    client, member, ops_lead, email_place, htmx_headers
):
    changed = update_promise(promise=email_place.promise, by=ops_lead, wording=NEW)
    task = email_place.task
    client.force_login(member)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "Promise changed: re-check" in page
    assert "Updated to the new wording" in page
    assert f"this place was last confirmed to say “{OLD}”" in page

    url = reverse("ownership:promise_place_updated", args=[email_place.pk])
    response = client.post(url, {"version": changed.version}, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="task-promises"')
    assert "order confirmation email now says “Delivery within 3 business days”" in html
    gaps = html[html.index('id="task-gaps"') :]
    assert "Promise changed: re-check" not in gaps
    email_place.refresh_from_db()
    assert email_place.checked_by == member
    assert email_place.checked_wording == NEW


def test_words_that_changed_again_are_not_confirmed(client, member, ops_lead, email_place):
    seen = update_promise(promise=email_place.promise, by=ops_lead, wording=NEW)
    update_promise(promise=email_place.promise, by=ops_lead, wording="Within a week.")
    client.force_login(member)
    url = reverse("ownership:promise_place_updated", args=[email_place.pk])
    response = client.post(url, {"version": seen.version}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "changed again while you were looking: it now reads “Within a week.”" in html
    email_place.refresh_from_db()
    assert email_place.checked_wording == OLD


def test_only_the_tasks_owner_or_backup_confirms_its_place(client, manager, ops_lead, email_place):
    changed = update_promise(promise=email_place.promise, by=ops_lead, wording=NEW)
    url = reverse("ownership:promise_place_updated", args=[email_place.pk])
    for user in (manager, ops_lead):
        client.force_login(user)
        page = client.get(email_place.task.get_absolute_url()).content.decode()
        assert "Updated to the new wording" not in page
        assert client.post(url, {"version": changed.version}).status_code == 403
    assign_backup(task=email_place.task, person=manager.person, by=None)
    client.force_login(manager)
    response = client.post(url, {"version": changed.version, "back": "promise"})
    assert response.status_code == 302
    assert response["Location"] == email_place.promise.get_absolute_url()
    email_place.refresh_from_db()
    assert email_place.is_up_to_date


def test_the_lookup_finds_a_promise_in_customers_words(client, member, ops_lead):
    returns = TaskFactory(name="Returns desk", definition_of_done="Parcels checked")
    assign_owner(task=returns, person=PersonFactory(name="Jess Moreau"), by=None)
    TaskFactory(name="Warehouse returns shelf", description="Where returned parcels wait")
    create_promise(
        by=ops_lead,
        name="Returns within 30 days",
        kind=PromiseKind.RETURN_WINDOW,
        wording="You can return anything within 30 days of delivery for a full refund.",
        value="30 days",
        owning_task=returns,
    )
    client.force_login(member)
    response = client.get(reverse("ownership:api_whoowns"), {"q": "how many days for returns"})
    first = response.json()["results"][0]
    assert first["task"] == "Returns desk"
    assert first["owner"]["name"] == "Jess Moreau"
    assert [p["name"] for p in first["promises"]] == ["Returns within 30 days"]
    assert any(m["field"] == "promise it owns" for m in first["matched"])

    html = client.get(reverse("ownership:search"), {"q": "how many days for returns"}).content
    assert "Promise: <a" in html.decode()


def test_the_task_type_ahead_offers_tasks_by_their_words(client, member):
    TaskFactory(name="Order confirmation email")
    client.force_login(member)
    html = client.get(reverse("ownership:task_suggest"), {"task": "confirmation"}).content
    assert '<option value="Order confirmation email">' in html.decode()
    assert client.get(reverse("ownership:task_suggest"), {"task": " "}).content.strip() == b""


def test_where_a_task_repeats_it_is_changed_or_refused_at_its_field(client, ops_lead, email_place):
    client.force_login(ops_lead)
    url = reverse("ownership:promise_place_edit", args=[email_place.pk])
    response = client.post(url, {"place": "order email; footer"})
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="place-{email_place.pk}-error"' in html
    assert "cannot hold “;”" in html
    assert 'value="order email; footer"' in html  # what they typed stays
    email_place.refresh_from_db()
    assert email_place.place == "order confirmation email"

    assert client.post(url, {"place": "order email › Delivery line"}).status_code == 302
    email_place.refresh_from_db()
    assert email_place.place == "order email › Delivery line"
    assert email_place.is_up_to_date
