"""Promises: what a promise must have, its places linked once each, and a change of its wording
that flags every place repeating it, tells each acting owner once, and clears as each owner
confirms the place was updated."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.merging import StaleEdit
from ownership.assignments import assign_backup, assign_owner
from ownership.gap_rules import PROMISE_CHANGED, gap_report, task_gaps
from ownership.people_changes import update_person
from reviews import notify
from reviews.models import Notice, NoticeKind
from tasks_registry.models import Promise, PromiseKind, PromiseLink
from tasks_registry.promises import (
    confirm_updated,
    create_promise,
    link_task,
    unlink,
    update_link,
    update_promise,
)
from tests.factories import PersonFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
OLD = "We deliver within 3 business days of your order."
NEW = "We deliver within 5 business days of your order."


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def delivery(user):
    return create_promise(
        by=user,
        name="Delivery within 3 business days",
        kind=PromiseKind.DELIVERY_TIME,
        wording=OLD,
        value="3 business days",
        owning_task=TaskFactory(name="Shipping promise"),
    )


def _owned(name: str, owner=None):
    task = TaskFactory(name=name)
    assign_owner(task=task, person=owner or PersonFactory(), by=None)
    return task


def test_a_promise_needs_a_name_wording_and_an_owning_task_on_the_map(user):
    with pytest.raises(ValidationError) as refused:
        create_promise(by=user, name=" ", kind="other", wording="  ", owning_task=None)
    assert set(refused.value.message_dict) == {"name", "wording", "owning_task"}
    retired = TaskFactory(is_active=False, name="Old banner")
    with pytest.raises(ValidationError, match="Old banner” is retired"):
        create_promise(
            by=user, name="Price match", kind="price", wording="We match.", owning_task=retired
        )
    assert not Promise.objects.exists()


def test_two_promises_cannot_share_a_name_however_spelt(user, delivery):
    with pytest.raises(ValidationError, match="already a promise called"):
        create_promise(
            by=user,
            name="delivery within  3 Business Days",
            kind="other",
            wording="Fast.",
            owning_task=delivery.owning_task,
        )


def test_a_task_repeats_a_promise_once_and_says_where(user, delivery):
    email = TaskFactory(name="Order confirmation email")
    link = link_task(promise=delivery, task=email, place=" order  confirmation email ", by=user)
    assert link.place == "order confirmation email"
    assert link.is_up_to_date
    with pytest.raises(ValidationError) as refused:
        link_task(promise=delivery, task=email, place="footer", by=user)
    assert "already repeats" in refused.value.message_dict["task"][0]
    with pytest.raises(ValidationError) as refused:
        link_task(promise=delivery, task=TaskFactory(), place="  ", by=user)
    assert "place" in refused.value.message_dict
    with pytest.raises(ValidationError, match="cannot hold “;”"):
        link_task(promise=delivery, task=TaskFactory(), place="FAQ; footer", by=user)
    assert PromiseLink.objects.count() == 1
    update_link(link=link, place="Order confirmation email › Delivery line", by=user)
    link.refresh_from_db()
    assert link.place == "Order confirmation email › Delivery line"


def test_a_new_wording_flags_every_place_that_repeats_it(user, delivery):
    places = {
        "order confirmation email": _owned("Order confirmation email"),
        "FAQ › Shipping": _owned("FAQ upkeep"),
        "checkout banner": _owned("Checkout banner"),
    }
    for place, task in places.items():
        link_task(promise=delivery, task=task, place=place, by=user)
    untouched = _owned("Returns page")
    assert gap_report(on=TODAY).by_rule[PROMISE_CHANGED] == []

    update_promise(promise=delivery, by=user, expected_version=1, wording=NEW, value="5 days")

    flagged = set(gap_report(on=TODAY).by_rule[PROMISE_CHANGED])
    assert flagged == {task.pk for task in places.values()}
    assert untouched.pk not in flagged
    row = task_gaps(places["FAQ › Shipping"], on=TODAY)
    detail = dict((rule.code, text) for rule, text in row.gap_list)["promise_changed"]
    assert detail == (
        f"“Delivery within 3 business days” changed from “{OLD}” to “{NEW}”: "
        "re-check FAQ › Shipping."
    )
    history = list(delivery.history.order_by("history_date").values_list("wording", flat=True))
    assert history == [OLD, NEW]


def test_a_change_of_value_alone_names_the_values(user, delivery):
    task = _owned("Checkout banner")
    link_task(promise=delivery, task=task, place="checkout banner", by=user)
    update_promise(promise=delivery, by=user, value="5 business days")
    (change,) = task_gaps(task, on=TODAY).promise_changes
    assert change.words == (
        "“Delivery within 3 business days” changed from 3 business days to 5 business days: "
        "re-check checkout banner."
    )


def test_a_new_name_or_owner_flags_nothing(user, delivery):
    task = _owned("Checkout banner")
    link_task(promise=delivery, task=task, place="checkout banner", by=user)
    update_promise(promise=delivery, by=user, name="Delivery promise", owning_task=task)
    assert gap_report(on=TODAY).by_rule[PROMISE_CHANGED] == []
    assert not Notice.objects.exists()


def test_the_owner_confirming_the_place_clears_its_flag_with_who_and_when(user, delivery):
    email, banner = _owned("Order confirmation email"), _owned("Checkout banner")
    link = link_task(promise=delivery, task=email, place="email", by=user)
    link_task(promise=delivery, task=banner, place="banner", by=user)
    changed = update_promise(promise=delivery, by=user, wording=NEW)

    confirmed = confirm_updated(link=link, by=user, expected_version=changed.version)

    assert confirmed.checked_by == user
    assert confirmed.checked_at is not None
    assert confirmed.checked_wording == NEW
    assert gap_report(on=TODAY).by_rule[PROMISE_CHANGED] == [banner.pk]
    assert link.history.latest().history_user == user


def test_confirming_words_that_changed_again_is_refused(user, delivery):
    email = _owned("Order confirmation email")
    link = link_task(promise=delivery, task=email, place="email", by=user)
    seen = update_promise(promise=delivery, by=user, wording=NEW)
    update_promise(promise=delivery, by=user, wording="Within a week.")
    with pytest.raises(ValidationError, match="changed again"):
        confirm_updated(link=link, by=user, expected_version=seen.version)
    link.refresh_from_db()
    assert link.checked_wording == OLD
    assert gap_report(on=TODAY).by_rule[PROMISE_CHANGED] == [email.pk]


def test_changing_it_back_to_what_a_place_says_clears_that_place(user, delivery):
    email = _owned("Order confirmation email")
    link_task(promise=delivery, task=email, place="email", by=user)
    update_promise(promise=delivery, by=user, wording=NEW)
    update_promise(promise=delivery, by=user, wording=OLD)
    assert gap_report(on=TODAY).by_rule[PROMISE_CHANGED] == []


def test_a_stale_edit_is_refused_and_writes_nothing(user, delivery):
    update_promise(promise=delivery, by=user, expected_version=1, value="3 days")
    with pytest.raises(StaleEdit):
        update_promise(promise=delivery, by=user, expected_version=1, wording=NEW)
    delivery.refresh_from_db()
    assert delivery.wording == OLD


def test_unlinking_a_place_clears_its_flag(user, delivery):
    email = _owned("Order confirmation email")
    link = link_task(promise=delivery, task=email, place="email", by=user)
    update_promise(promise=delivery, by=user, wording=NEW)
    unlink(link=link, by=user)
    assert gap_report(on=TODAY).by_rule[PROMISE_CHANGED] == []
    assert PromiseLink.history.filter(history_type="-").count() == 1


def test_each_acting_owner_is_told_once_and_the_notice_names_the_place(
    user, delivery, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    leo, nina, sam = PersonFactory(name="Leo"), PersonFactory(name="Nina"), PersonFactory()
    email = _owned("Order confirmation email", leo)
    faq = _owned("FAQ upkeep", leo)
    away = _owned("Checkout banner", nina)
    assign_backup(task=away, person=sam, by=None)
    update_person(person=nina, by=None, away_until=TODAY + datetime.timedelta(days=3))
    nobody = TaskFactory(name="Gift card terms")
    for task, place in [
        (email, "email"),
        (faq, "FAQ › Shipping"),
        (away, "banner"),
        (nobody, "terms"),
    ]:
        link_task(promise=delivery, task=task, place=place, by=user)

    with django_capture_on_commit_callbacks(execute=True):
        update_promise(promise=delivery, by=user, wording=NEW)

    notices = Notice.objects.filter(kind=NoticeKind.PROMISE_CHANGED)
    assert set(notices.values_list("person__name", "task__name")) == {
        ("Leo", "FAQ upkeep"),
        ("Leo", "Order confirmation email"),
        (sam.name, "Checkout banner"),  # the backup acts while Nina is away
    }
    # Leo's two places came in one email, and nobody else was told twice.
    to = sorted(message.to[0] for message in mail.outbox)
    assert to == sorted([leo.email, sam.email])
    leos = next(message for message in mail.outbox if message.to == [leo.email])
    assert "FAQ › Shipping" in leos.body
    assert "re-check email" in leos.body
    assert NEW in leos.body
    assert OLD in leos.body
    # Made again by nobody: the same change is one notice per place.
    assert notices.count() == 3


def test_a_place_confirmed_before_its_notice_goes_is_not_mentioned(user, delivery):
    email = _owned("Order confirmation email")
    link = link_task(promise=delivery, task=email, place="email", by=user)
    changed = update_promise(promise=delivery, by=user, wording=NEW)
    notice = Notice.objects.get(kind=NoticeKind.PROMISE_CHANGED)
    confirm_updated(link=link, by=user, expected_version=changed.version)
    assert notify.deliver(notice.pk)
    notice.refresh_from_db()
    assert notice.skipped_because == "nothing left to say"
    assert mail.outbox == []


def test_a_rename_to_a_name_taken_meanwhile_is_refused_at_the_name(user, delivery, monkeypatch):
    create_promise(
        by=user, name="Delivery promise", kind="other", wording="Fast.", owning_task=TaskFactory()
    )
    # The check before the save read the table before the other promise's rename committed.
    monkeypatch.setattr("tasks_registry.promises._check", lambda promise: None)
    with pytest.raises(ValidationError) as refused:
        update_promise(promise=delivery, by=user, name="DELIVERY PROMISE")
    assert "already a promise called" in refused.value.message_dict["name"][0]
    delivery.refresh_from_db()
    assert delivery.name == "Delivery within 3 business days"
