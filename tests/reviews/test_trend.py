"""The trend: a series per kind of session on a true time axis, coverage and open gaps each on
its own labelled scale, read back from the SVG the reviews page draws."""

import datetime
import re

import pytest
from defusedxml import ElementTree
from django.urls import reverse
from django.utils import timezone

from reviews.models import ReviewKind, SessionStatus
from tests.factories import CampaignFactory, ReviewSessionFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _closed(kind, days_ago, coverage, flagged, **fields):
    closed = timezone.make_aware(
        datetime.datetime.combine(TODAY - datetime.timedelta(days=days_ago), datetime.time(12))
    )
    return ReviewSessionFactory(
        kind=kind,
        status=SessionStatus.CLOSED,
        closed_at=closed,
        scheduled_for=closed.date(),
        map_after={"coverage": coverage, "flagged": flagged, "counts": {}},
        **fields,
    )


@pytest.fixture
def six_sessions(db):
    for number, (days_ago, coverage, flagged) in enumerate(
        [(300, 40, 30), (210, 55, 22), (120, 70, 12)]
    ):
        _closed(ReviewKind.QUARTERLY, days_ago, coverage, flagged, period=f"2026-Q{number + 1}")
    for days_ago, coverage, flagged in [(250, 45, 28), (150, 60, 18), (30, 80, 9)]:
        _closed(
            ReviewKind.POST_CAMPAIGN,
            days_ago,
            coverage,
            flagged,
            period="",
            campaign=CampaignFactory(),
        )


def _panels(html: str) -> dict:
    """{panel: {series kind: [(day, value, x, y)]}, plus each panel's y-axis labels}."""
    found = {}
    for svg in re.findall(r"<svg .*?</svg>", html, flags=re.S):
        root = ElementTree.fromstring(svg)
        series = {
            group.get("data-kind"): [
                (
                    c.get("data-day"),
                    int(c.get("data-value")),
                    float(c.get("cx")),
                    float(c.get("cy")),
                )
                for c in group.iter("circle")
            ]
            for group in root.iter("g")
        }
        labels = [text.text for text in root.iter("text")]
        found[root.get("data-panel")] = {"series": series, "labels": labels}
    return found


def test_each_kind_is_its_own_series_on_a_true_time_axis(client, manager, six_sessions):
    client.force_login(manager)
    panels = _panels(client.get(reverse("reviews:session_list")).content.decode())

    coverage = panels["coverage"]["series"]
    day = lambda ago: f"{TODAY - datetime.timedelta(days=ago):%Y-%m-%d}"  # noqa: E731
    assert [(d, v) for d, v, *_ in coverage["quarterly"]] == [
        (day(300), 40),
        (day(210), 55),
        (day(120), 70),
    ]
    assert [(d, v) for d, v, *_ in coverage["post_campaign"]] == [
        (day(250), 45),
        (day(150), 60),
        (day(30), 80),
    ]
    gaps = panels["gaps"]["series"]
    assert [v for _, v, *_ in gaps["quarterly"]] == [30, 22, 12]
    assert [v for _, v, *_ in gaps["post_campaign"]] == [28, 18, 9]
    assert [d for d, *_ in gaps["now"]] == [day(0)]

    # x is proportional to time: 90 days between quarterly reviews, 100 and 120 between the
    # post-campaign ones, 30 from the last to now.
    xs = {d: x for series in gaps.values() for d, _, x, _ in series}
    per_day = (xs[day(210)] - xs[day(300)]) / 90
    assert xs[day(150)] - xs[day(250)] == pytest.approx(100 * per_day, abs=0.2)
    assert xs[day(0)] - xs[day(30)] == pytest.approx(30 * per_day, abs=0.2)


def test_each_figure_has_its_own_labelled_scale(client, manager, six_sessions):
    client.force_login(manager)
    panels = _panels(client.get(reverse("reviews:session_list")).content.decode())
    assert panels["coverage"]["labels"][:6] == ["0%", "20%", "40%", "60%", "80%", "100%"]
    # The most gaps was 30: a scale to 50 in steps of 10, not 30 drawn at the top.
    assert panels["gaps"]["labels"][:6] == ["0", "10", "20", "30", "40", "50"]
    top, bottom = 12, 200 - 32  # trend.TOP, trend.HEIGHT - trend.BOTTOM
    thirty = next(y for d, v, x, y in panels["gaps"]["series"]["quarterly"] if v == 30)
    assert thirty == pytest.approx(bottom - (bottom - top) * 30 / 50, abs=0.2)
    assert any(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", label) for label in panels["gaps"]["labels"])


def test_the_table_beside_it_has_the_same_figures(client, manager, six_sessions):
    client.force_login(manager)
    html = client.get(reverse("reviews:session_list")).content.decode()
    assert 'aria-describedby="trend-table"' in html
    table = html[html.index('id="trend-table"') :]
    for coverage in (40, 55, 70, 45, 60, 80):
        assert f"<td>{coverage}%</td>" in table


def test_follow_ups_are_not_a_series(client, manager, six_sessions):
    from reviews.models import ReviewSession

    first = ReviewSession.objects.filter(kind=ReviewKind.QUARTERLY).first()
    _closed(ReviewKind.FOLLOW_UP, 10, 99, 1, period="", follows=first)
    client.force_login(manager)
    panels = _panels(client.get(reverse("reviews:session_list")).content.decode())
    assert set(panels["coverage"]["series"]) == {"quarterly", "post_campaign", "now"}
    assert 99 not in [v for s in panels["coverage"]["series"].values() for _, v, *_ in s]
