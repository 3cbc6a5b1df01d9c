"""Small things a new user meets on their first day (issue 18's list): each says what it means."""

import datetime
import re

import pytest
from django.urls import reverse

from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_new_task_starts_as_normal_not_critical(client, ops_lead):
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:task_create")).content.decode()
    assert '<option value="normal" selected>Normal</option>' in html
    assert '<option value="critical">Critical</option>' in html


def test_a_departed_persons_page_offers_no_away_form(client, ops_lead):
    gone = PersonFactory(name="Gone Gary", departed_on=datetime.date(2026, 1, 5))
    here = PersonFactory(name="Here Hana")
    client.force_login(ops_lead)
    gone_page = client.get(reverse("ownership:person_detail", args=[gone.pk])).content.decode()
    here_page = client.get(reverse("ownership:person_detail", args=[here.pk])).content.decode()
    assert reverse("ownership:person_away", args=[gone.pk]) not in gone_page
    assert "They did not leave after all" in gone_page
    assert reverse("ownership:person_away", args=[here.pk]) in here_page


@pytest.mark.parametrize(
    ("zone", "words"),
    [("UTC", "Times are in UTC."), ("Europe/London", "Times are in the Europe/London time zone.")],
)
def test_the_campaign_form_says_which_time_zone_its_times_are_in(
    client, ops_lead, settings, zone, words
):
    settings.TIME_ZONE = zone
    client.force_login(ops_lead)
    html = client.get(reverse("tasks_registry:campaign_create")).content.decode()
    assert words in html


def test_each_search_landmark_on_a_page_has_its_own_name(member_client):
    html = member_client.get(reverse("ownership:search"), {"q": "refund"}).content.decode()
    names = re.findall(r'role="search"[^>]*aria-label="([^"]+)"', html)
    assert len(names) == 2
    assert len(set(names)) == 2
