import datetime
import io
import json
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from ownership.agenda import my_tasks
from ownership.demo_data import DEMO_PASSWORD
from ownership.gap_rules import PROMISE_CHANGED, RULES, STALE, gap_report
from ownership.models import Assignment, Person, Role, Team
from ownership.run_sheet import run_sheet
from ownership.time_travel import holders_on, map_began
from ownership.vagueness import Vagueness, judge_definition_of_done
from tasks_registry import due, rhythms
from tasks_registry.models import Campaign, Completion, Promise, PromiseLink, Stage, Task
from tests.conftest import kept_for_the_module

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "teams": sorted(Team.objects.values_list("name", "lead__email")),
        "people": sorted(
            Person.objects.values_list("email", "name", "team__name", "away_until", "departed_on")
        ),
        "tasks": sorted(
            Task.objects.values_list("slug", "name", "stage__slug", "rhythm", "version")
        ),
        "assignments": sorted(
            Assignment.objects.values_list("task__slug", "person__email", "role")
        ),
        "campaigns": sorted(Campaign.objects.values_list("slug", "starts_at", "ends_at")),
        "users": sorted(get_user_model().objects.values_list("username", "person__email")),
        "history": (
            Task.history.count(),
            Assignment.history.count(),
            Person.history.count(),
            Promise.history.count(),
            PromiseLink.history.count(),
        ),
        "promises": sorted(Promise.objects.values_list("name", "wording", "version")),
    }


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """The demo seeded once for the module's tests, not for each (2-3 s each time)."""
    with kept_for_the_module(django_db_blocker):
        call_command("seed_demo", stdout=io.StringIO())
        yield


@pytest.fixture
def seeded(_seeded_once, db):
    pass


def test_seed_demo_run_twice_leaves_the_same_data(seeded):
    first = _snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == first


def test_the_demo_is_a_believable_mid_size_store(seeded):
    assert Team.objects.count() == 9
    assert Person.objects.count() == 40
    assert Task.objects.count() == 61
    per_stage = Counter(Task.objects.values_list("stage__slug", flat=True))
    assert set(per_stage) == set(Stage.objects.values_list("slug", flat=True))
    assert min(per_stage.values()) >= 3
    assert all(task.alias_list for task in Task.objects.all())


def test_the_demo_has_the_imperfections_of_a_first_map(seeded):
    owned = set(Assignment.objects.filter(role=Role.OWNER).values_list("task_id", flat=True))
    helped = set(Assignment.objects.filter(role=Role.CONTRIBUTOR).values_list("task_id", flat=True))
    backed = set(Assignment.objects.filter(role=Role.BACKUP).values_list("task_id", flat=True))
    all_tasks = set(Task.objects.values_list("pk", flat=True))
    assert len(helped - owned) >= 4, "contributors but no owner"
    assert Task.objects.get(slug="promo-code-setup-and-qa").pk in helped - owned
    assert len(all_tasks - owned - helped) >= 1, "nobody at all"
    assert Assignment.objects.filter(role=Role.OWNER, person__departed_on__isnull=False).exists()
    assert Assignment.objects.filter(role=Role.OWNER, person__away_until__isnull=False).exists()
    assert len(owned - backed) >= 10, "missing backups"
    assert Task.objects.filter(rhythm="").count() >= 3


def test_the_demo_shows_every_gap_whose_data_can_exist_and_the_command_agrees(seeded, client):
    report = gap_report(on=timezone.localdate())
    # Stale needs a quarter without reviews: it cannot exist on a map loaded today.
    assert {rule for rule, count in report.counts.items() if count} == set(RULES) - {STALE}
    vague = {judge_definition_of_done(t.definition_of_done) for t in Task.objects.all()}
    assert set(Vagueness) <= vague
    out = StringIO()
    call_command("gaps", "--json", stdout=out)
    listed = Counter(code for task in json.loads(out.getvalue()) for code in task["gaps"])
    assert {rule: listed[rule.code] for rule in RULES} == report.counts
    client.force_login(get_user_model().objects.get(username="member"))
    dashboard = client.get(reverse("ownership:dashboard")).context["board"]
    assert dashboard.report.counts == report.counts


def test_the_demo_covers_every_task_the_articles_name(seeded):
    names = set(Task.objects.values_list("name", flat=True))
    for name in [
        "Promo code setup and QA",
        "Product page copy alignment",
        "Shipping promise consistency",
        "Holiday shipping cutoff sign-off",
        "Returns notices",
        "Vendor communications",
        "Warranty claims",
        "Payment letters",
        "Pricing updates",
        "Bundle approvals",
        "Out-of-stock visibility decisions",
        "Inventory sync",
        "Refund policy to support scripts",
        "Catalog attributes and rules",
        "ERP order and stock integration",
        "PIM to storefront feed",
        "CMS releases and content deploys",
        "Campaign-day site performance",
    ]:
        assert name in names
    metrics = set(Task.objects.values_list("metric__name", flat=True))
    assert {
        "Order accuracy",
        "Pick-and-pack time",
        "Return cycle time",
        "Contact rate per order",
        "Refund delay",
        "Out-of-stock frequency",
        "Split-shipment rate",
    } <= metrics


def test_the_demo_sign_ins_work_and_are_printed(client):
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "member    Members — Ethan Park" in out.getvalue()
    assert "password for all: ownermap-demo" in out.getvalue()
    for username in ["member", "opslead", "manager", "admin"]:
        # The sign-in throttle (django-axes) asks for the request it judges.
        assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD)
    User = get_user_model()
    assert User.objects.get(username="opslead").person.name == "Dana Kowalski"
    assert User.objects.get(username="admin").is_superuser


def test_the_demo_has_rhythms_of_every_kind_campaigns_before_and_after_and_confirmations(seeded):
    kinds = Counter(
        getattr(rhythms.stored(rhythm), "kind", "none")
        for rhythm in Task.objects.values_list("rhythm", flat=True)
    )
    assert set(kinds) == {"calendar", "campaign", "ad_hoc", "none"}
    assert kinds["none"] == 3  # left for the dashboard's "no rhythm" flag
    now = timezone.now()
    assert Campaign.objects.filter(ends_at__lt=now).exists()
    assert Campaign.objects.filter(starts_at__gt=now).exists()
    assert Completion.objects.count() > 100
    # The past product drop's run sheet is done, where its tasks had someone to do them.
    drop = Campaign.objects.get(slug="trail-runner-2-drop")
    sheet = run_sheet(drop)
    assert {row.state for row in sheet if row.acting.person} == {due.DONE}


def test_the_demo_members_see_overdue_due_and_upcoming_work_on_first_run(seeded):
    ethan = Person.objects.get(name="Ethan Park")
    page = my_tasks(ethan)
    assert [m.task.name for m in page.missed][:1] == ["Order status enquiries with warehouse"]
    assert page.upcoming
    assert {item.task.name for item in page.tasks.values()} == {
        "Order status enquiries with warehouse",
        "Returns notices",
    }
    dana = my_tasks(Person.objects.get(name="Dana Kowalski"))
    # A monthly task left 35 days has one or two missed occurrences, depending on the day.
    assert {m.task.name for m in dana.missed} == {"Carrier performance review"}


def test_every_demo_task_with_a_rhythm_knows_when_it_is_next_due(seeded):
    for task in Task.objects.filter(is_active=True):
        rhythm = rhythms.stored(task.rhythm)
        expected = None if rhythm is None or rhythm.kind == "ad_hoc" else due.next_due(task)
        assert task.next_due_on == expected, task.name


def test_the_demo_has_a_year_of_history_with_its_handovers(seeded):
    today = timezone.localdate()
    assert map_began() == today - datetime.timedelta(days=365)
    shipping = Task.objects.get(slug="shipping-promise-consistency")
    refunds = Task.objects.get(slug="refund-processing")
    then = holders_on([shipping.pk, refunds.pk], today - datetime.timedelta(days=130))
    assert then[shipping.pk].owner.name == "Nina Alvarez"
    assert then[refunds.pk].owner.name == "Victor Chen"
    now = holders_on([shipping.pk, refunds.pk], today)
    assert now[shipping.pk].owner is None
    assert now[refunds.pk].owner.name == "Irene Costa"


def test_the_demo_has_promises_and_one_changed_that_a_place_has_not_caught_up_with(seeded):
    assert Promise.objects.count() == 5
    returns = Promise.objects.get(name="Free returns")
    assert returns.value == "30 days"
    assert returns.history.earliest().value == "28 days"
    report = gap_report(on=timezone.localdate())
    flagged = Task.objects.filter(pk__in=report.by_rule[PROMISE_CHANGED])
    assert list(flagged.values_list("slug", flat=True)) == ["product-page-copy-alignment"]
    confirmed = returns.links.get(task__slug="refund-policy-to-support-scripts")
    assert confirmed.is_up_to_date
    assert confirmed.checked_by.username == "rosa.delgado"
