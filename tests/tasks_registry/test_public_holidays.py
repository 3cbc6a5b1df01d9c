"""A country's public holidays, from the maintained `holidays` package, are not business days:
for every business-day rhythm, the picker's preview, the review schedule and the nightly
refresh of due dates, beside the company's own days off."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from config.env import env_public_holidays
from reviews.scheduling import quarterly_review_day
from tasks_registry.jobs import refresh_due_dates
from tasks_registry.models import Task
from tasks_registry.rhythms import business_days
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def england(settings):
    settings.OWNERMAP_HOLIDAY_COUNTRY = "GB"
    settings.OWNERMAP_HOLIDAY_SUBDIVISION = "ENG"


def test_unset_no_public_holiday_is_known(settings):
    assert settings.OWNERMAP_HOLIDAY_COUNTRY == ""
    assert business_days.is_business_day(datetime.date(2026, 12, 25))


def test_a_countrys_holidays_and_their_observed_days_are_not_business_days(england, settings):
    assert not business_days.is_business_day(datetime.date(2026, 12, 25))  # Christmas, a Friday
    assert not business_days.is_business_day(datetime.date(2026, 12, 28))  # Boxing Day observed
    assert business_days.shift(datetime.date(2026, 12, 24), 1) == datetime.date(2026, 12, 29)
    # The company's own days off still count beside them.
    settings.OWNERMAP_HOLIDAYS = ["12-24"]
    assert business_days.on_or_after(datetime.date(2026, 12, 24)) == datetime.date(2026, 12, 29)


def test_a_subdivision_has_its_own(settings):
    settings.OWNERMAP_HOLIDAY_COUNTRY = "GB"
    settings.OWNERMAP_HOLIDAY_SUBDIVISION = "SCT"
    assert not business_days.is_business_day(datetime.date(2027, 1, 4))  # 2 January, observed
    settings.OWNERMAP_HOLIDAY_SUBDIVISION = "ENG"
    assert business_days.is_business_day(datetime.date(2027, 1, 4))


def test_no_review_falls_on_new_years_day(england, settings):
    settings.OWNERMAP_REVIEW_WEEKDAY = 4  # Friday: 1 Jan 2027 is one
    assert quarterly_review_day(2027, 1) == datetime.date(2027, 1, 4)


def test_the_pickers_preview_skips_them(england, client, ops_lead, monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate",
        lambda value=None, timezone=None: (
            datetime.date(2026, 12, 10) if value is None else real(value, timezone)
        ),
    )
    client.force_login(ops_lead)
    html = client.get(
        reverse("tasks_registry:rhythm_preview"),
        {"rhythm_mode": "text", "rhythm_text": "monthly on the first business day"},
    ).content.decode()
    assert "Mon 4 Jan 2027" in html
    assert "Fri 1 Jan 2027" not in html


def test_the_nightly_refresh_moves_due_dates_after_the_setting_changes(settings):
    task = TaskFactory(
        rhythm="monthly on the first business day", rhythm_set_on=datetime.date(2026, 12, 15)
    )
    refresh_due_dates()
    assert Task.objects.get(pk=task.pk).next_due_on == datetime.date(2027, 1, 1)
    settings.OWNERMAP_HOLIDAY_COUNTRY = "GB"
    assert refresh_due_dates() == 1
    assert Task.objects.get(pk=task.pk).next_due_on == datetime.date(2027, 1, 4)
    assert "refresh-due-dates" in settings.CELERY_BEAT_SCHEDULE


@pytest.mark.parametrize(
    ("country", "subdivision", "message"),
    [
        ("XX", "", "'XX' is not a country the holidays package knows"),
        ("GB", "ZZZ", "'ZZZ' is not a subdivision of GB: one of ENG, NIR, SCT, WLS."),
        ("", "ENG", "OWNERMAP_HOLIDAY_SUBDIVISION needs OWNERMAP_HOLIDAY_COUNTRY set too."),
    ],
)
def test_a_country_or_subdivision_it_does_not_know_stops_the_start(
    monkeypatch, country, subdivision, message
):
    monkeypatch.setenv("OWNERMAP_HOLIDAY_COUNTRY", country)
    monkeypatch.setenv("OWNERMAP_HOLIDAY_SUBDIVISION", subdivision)
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        env_public_holidays("OWNERMAP_HOLIDAY_COUNTRY", "OWNERMAP_HOLIDAY_SUBDIVISION")


def test_a_known_country_is_read_in_any_case(monkeypatch):
    monkeypatch.setenv("OWNERMAP_HOLIDAY_COUNTRY", "gb")
    monkeypatch.setenv("OWNERMAP_HOLIDAY_SUBDIVISION", "eng")
    assert env_public_holidays("OWNERMAP_HOLIDAY_COUNTRY", "OWNERMAP_HOLIDAY_SUBDIVISION") == (
        "GB",
        "ENG",
    )
