import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.models import Role
from tasks_registry.changes import update_task
from tests.factories import PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("ownership:search")


def test_search_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(SEARCH, {"q": "refund"})
    assert (response.status_code, response.url) == (
        302,
        f"/accounts/login/?next={SEARCH}%3Fq%3Drefund",
    )


def test_search_is_forbidden_to_an_outsider(client, outsider):
    client.force_login(outsider)
    assert client.get(SEARCH, {"q": "refund"}).status_code == 403


@pytest.mark.parametrize("cast", ["member", "ops_lead", "manager"])
def test_the_results_page_answers_who_owns_it_without_javascript(client, cast, request):
    client.force_login(request.getfixturevalue(cast))
    task = TaskFactory(name="Refund processing", aliases="refund letter", rhythm="daily")
    assign_owner(task=task, person=PersonFactory(name="Irene Costa", chat_handle="@irene"), by=None)
    response = client.get(SEARCH, {"q": "refund letter"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert 'href="/t/refund-processing?q=refund%20letter"' in html
    assert "Irene Costa</a> · @irene" in html
    assert "no backup" in html
    assert "daily" in html


def test_the_htmx_branch_returns_only_the_results_fragment(member_client, htmx_headers):
    TaskFactory(name="Refund processing")
    response = member_client.get(SEARCH, {"q": "refund"}, **htmx_headers)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="results"')
    assert "<html" not in html
    assert "Refund processing" in html
    assert "HX-Request" in response.headers["Vary"]


def test_each_card_marks_the_words_that_matched_and_says_why(member_client, htmx_headers):
    TaskFactory(
        name="Refund <approvals> & letters",
        definition_of_done='Refunds over £50 are approved;\nthe letter says "why" & when.',
    )
    html = member_client.get(SEARCH, {"q": "refund letter"}, **htmx_headers).content.decode()
    assert (
        "<strong><mark>Refund</mark> &lt;approvals&gt; &amp; <mark>letters</mark></strong>" in html
    )
    assert (
        "<mark>Refunds</mark> over £50 are approved;<br>the <mark>letter</mark> says "
        "&quot;why&quot; &amp; when."
    ) in html
    assert "matched: refund, letter → Refund &lt;approvals&gt; &amp; letters (name)" in html
    # The live dropdown's links say they came from it, for what opening them teaches.
    assert 'href="/t/refund-approvals-letters?q=refund%20letter&amp;live=1"' in html


def test_every_page_has_the_search_box(member_client):
    html = member_client.get(reverse("ownership:task_list")).content.decode()
    assert 'id="lookup"' in html
    assert f'data-hx-get="{SEARCH}"' in html
    assert 'aria-keyshortcuts="/"' in html


def test_a_task_nobody_owns_says_so_loudly_with_who_to_ask(member_client, htmx_headers):
    team = TeamFactory(
        name="Marketing", lead=PersonFactory(name="Sam Carter", title="Marketing Manager")
    )
    task = TaskFactory(name="Promo code setup and QA")
    assign(task=task, person=PersonFactory(team=team), role=Role.CONTRIBUTOR, by=None)
    html = member_client.get(SEARCH, {"q": "promo code"}, **htmx_headers).content.decode()
    assert '<p class="loud">Nobody owns this.</p>' in html
    assert "Sam Carter</a> answers for it until someone does" in html
    assert "(lead of Marketing, whose people do most of its work)" in html


def test_an_away_owner_shows_the_backup_acting_with_the_reason(member_client, htmx_headers):
    back = timezone.localdate() + datetime.timedelta(days=5)
    task = TaskFactory(name="Holiday shipping cutoff sign-off")
    assign_owner(task=task, person=PersonFactory(name="Nina Alvarez", away_until=back), by=None)
    assign_backup(task=task, person=PersonFactory(name="Chris Osei"), by=None)
    html = member_client.get(SEARCH, {"q": "holiday cutoff"}, **htmx_headers).content.decode()
    assert "Chris Osei</a>" in html
    assert f"Acting as backup: Nina Alvarez is away until {back:%-d %b %Y}." in html


def test_an_empty_search_offers_the_stages(member_client, htmx_headers):
    html = member_client.get(SEARCH, {"q": ""}, **htmx_headers).content.decode()
    assert "Type what you need an owner for" in html
    assert '<a href="/tasks/?stage=delivery">Delivery</a>' in html


def test_no_match_says_so_and_offers_the_stages(member_client, htmx_headers):
    TaskFactory(name="Refund processing")
    html = member_client.get(SEARCH, {"q": "xylophone"}, **htmx_headers).content.decode()
    assert "No task matches “xylophone”." in html
    assert '<a href="/tasks/?stage=payment">Payment</a>' in html


def test_the_query_is_escaped_in_the_page(member_client):
    html = member_client.get(SEARCH, {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("size", [2, 5])
def test_the_search_fragment_queries_do_not_grow_with_results(
    member_client, htmx_headers, size, django_assert_num_queries
):
    for n in range(size):
        task = TaskFactory(name=f"Refund step {n}")
        assign_owner(task=task, person=PersonFactory(), by=None)
        assign_backup(task=task, person=PersonFactory(), by=None)
    # session, user with permissions, which words are terms (SQLite, where corrections are
    # made in Python), the lookup statement
    with django_assert_num_queries(4 if connection.vendor == "sqlite" else 3):
        response = member_client.get(SEARCH, {"q": "refund step"}, **htmx_headers)
    assert response.content.decode().count('class="result-card') == size


def test_the_permalink_leads_to_the_task_page(member_client):
    task = TaskFactory(name="Inventory sync")
    response = member_client.get(f"/t/{task.slug}")
    assert (response.status_code, response.url) == (302, "/tasks/inventory-sync/")


def test_a_renamed_task_keeps_its_old_links_working(member_client):
    task = TaskFactory(name="Promo QA", slug="promo-qa")
    renamed = update_task(task=task, by=None, name="Discount code QA")
    assert renamed.slug == "discount-code-qa"
    response = member_client.get("/t/promo-qa")
    assert (response.status_code, response.url) == (301, "/tasks/discount-code-qa/")
    response = member_client.get("/tasks/promo-qa/")
    assert (response.status_code, response.url) == (301, "/tasks/discount-code-qa/")
    assert member_client.get("/t/discount-code-qa").url == "/tasks/discount-code-qa/"


def test_a_new_task_cannot_take_a_renamed_tasks_old_slug(member_client):
    from tasks_registry.changes import create_task
    from tasks_registry.models import Stage

    task = TaskFactory(name="Promo QA", slug="promo-qa")
    update_task(task=task, by=None, name="Discount code QA")
    newcomer = create_task(name="Promo QA", stage=Stage.objects.first(), by=None)
    assert newcomer.slug == "promo-qa-2"
    assert member_client.get("/t/promo-qa").url == "/tasks/discount-code-qa/"


def test_renaming_back_reclaims_the_old_slug():
    task = TaskFactory(name="Promo QA", slug="promo-qa")
    update_task(task=task, by=None, name="Discount code QA")
    again = update_task(task=task, by=None, name="Promo QA")
    assert again.slug == "promo-qa"
    assert list(again.previous_slugs.values_list("slug", flat=True)) == ["discount-code-qa"]


def test_an_unknown_permalink_is_a_404(member_client):
    assert member_client.get("/t/no-such-task").status_code == 404


def test_the_live_dropdown_shows_five_and_the_page_ten(member_client, htmx_headers):
    for n in range(12):
        TaskFactory(name=f"Refund step {n}")
    live = member_client.get(SEARCH, {"q": "refund"}, **htmx_headers).content.decode()
    page = member_client.get(SEARCH, {"q": "refund"}).content.decode()
    assert (live.count('class="result-card'), page.count('class="result-card')) == (5, 10)


def test_the_permalink_is_forbidden_to_an_outsider(client, outsider):
    client.force_login(outsider)
    task = TaskFactory(name="Inventory sync")
    assert client.get(f"/t/{task.slug}").status_code == 403


def test_search_refuses_post(member_client):
    assert member_client.post(SEARCH, {"q": "refund"}).status_code == 405
