"""Patterns: pasting what is on screen finds the task that owns it, the most specific first."""

import pytest
from django.core.exceptions import ValidationError

from ownership.lookup import lookup
from tasks_registry import patterns
from tasks_registry.changes import create_task, update_task
from tasks_registry.models import TaskPattern
from tests.factories import TaskFactory, first_stage

pytestmark = pytest.mark.django_db


def names(query):
    return [answer.task.name for answer in lookup(query).answers]


@pytest.fixture
def checkout_tasks():
    checkout = TaskFactory(name="Checkout flow testing")
    update_task(task=checkout, by=None, patterns="/checkout/*")
    payment = TaskFactory(name="Payment gateway integration")
    update_task(task=payment, by=None, patterns="/checkout/payment*\nE-PAY-4??")
    promos = TaskFactory(name="Promo code setup and QA")
    update_task(task=promos, by=None, patterns="SUMMER*\nBF25*")
    return checkout, payment, promos


def test_a_pasted_url_finds_the_most_specific_pattern_first(checkout_tasks):
    url = "https://shop.example/checkout/payment/confirm?step=2#top"
    assert names(url)[:2] == ["Payment gateway integration", "Checkout flow testing"]
    (first, *_) = lookup(url).answers
    assert str(first.matched[0]) == ("/checkout/payment/confirm → /checkout/payment* (pattern)")
    assert names("/checkout/shipping")[0] == "Checkout flow testing"


def test_codes_match_whatever_their_case(checkout_tasks):
    assert names("summer25")[0] == "Promo code setup and QA"
    assert names("BF25-VIP")[0] == "Promo code setup and QA"
    assert names("e-pay-401")[0] == "Payment gateway integration"
    assert names("e-pay-4011") == [] or names("e-pay-4011")[0] != "Payment gateway integration"


def test_patterns_are_globs_never_regular_expressions():
    task = TaskFactory(name="Odd codes")
    update_task(task=task, by=None, patterns="a.b+[x]*\n(c|d)$")
    assert names("a.b+[x]-7")[0] == "Odd codes"
    assert names("axb+[x]-7") == []  # "." is a dot, not any character
    assert names("(c|d)$")[0] == "Odd codes"
    assert names("c") == []


def test_a_2000_character_url_is_answered():
    task = TaskFactory(name="Product pages")
    update_task(task=task, by=None, patterns="/products/*")
    url = "https://shop.example/products/" + "x" * 2000
    assert names(url) == ["Product pages"]


def test_two_tasks_cannot_claim_the_same_pattern():
    first = TaskFactory(name="Checkout flow testing")
    update_task(task=first, by=None, patterns="/checkout/*")
    with pytest.raises(ValidationError) as refused:
        create_task(name="Checkout copy", stage=first_stage(), by=None, patterns="/Checkout/*")
    assert refused.value.message_dict == {
        "patterns": ["“/checkout/*” already belongs to “Checkout flow testing”."]
    }
    assert TaskPattern.objects.get().task == first


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("*", "would match almost anything"), ("/checkout /cart", "has a space in it")],
)
def test_an_unusable_pattern_is_refused_at_the_field(typed, problem):
    task = TaskFactory(name="Checkout flow testing")
    with pytest.raises(ValidationError) as refused:
        update_task(task=task, by=None, patterns=typed)
    assert list(refused.value.message_dict) == ["patterns"]
    assert problem in refused.value.message_dict["patterns"][0]


def test_removing_a_pattern_frees_it():
    task = TaskFactory(name="Checkout flow testing")
    update_task(task=task, by=None, patterns="/checkout/*")
    update_task(task=task, by=None, patterns="")
    assert TaskPattern.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("SUMMER25", True), ("/checkout", True), ("summer", False), ("two words", False)],
)
def test_what_looks_like_an_identifier(text, expected):
    assert patterns.looks_like_identifier(text) is expected


def test_the_task_page_shows_its_patterns_and_the_form_refuses_a_taken_one(client, ops_lead):
    taken = TaskFactory(name="Checkout flow testing")
    update_task(task=taken, by=None, patterns="/checkout/*")
    task = TaskFactory(name="Cart page")
    client.force_login(ops_lead)
    page = client.get(f"/tasks/{taken.slug}/").content.decode()
    assert '<code class="tag">/checkout/*</code>' in page
    response = client.post(
        f"/tasks/{task.slug}/edit",
        {
            "name": task.name,
            "stage": task.stage_id,
            "criticality": task.criticality,
            "patterns": "/checkout/*",
            "version": task.version,
        },
    )
    assert response.status_code == 200
    assert "already belongs to “Checkout flow testing”" in response.content.decode()
    task.refresh_from_db()
    assert task.patterns == ""
