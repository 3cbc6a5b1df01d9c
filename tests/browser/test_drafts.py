"""An ops lead prepares a reorganisation as a draft: six roles moved on tasks' pages and two
people's teams changed on theirs, each held in the draft while the live map stays as it was.
The draft's page shows coverage going up; publishing applies all of it at once, and the history
names the one draft."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ownership.gap_rules import gap_report
from ownership.models import Assignment, Person, Role
from tasks_registry.models import Task

pytestmark = pytest.mark.browser

NAME = "Peak season 2027"
REASON = f"draft “{NAME}”"
# (task, role, person): four critical or high tasks whose one gap is a missing backup get one,
# and two tasks change owner.
MOVES = [
    ("user-experience-design", "Backup", "pete.novak"),
    ("bundle-approvals", "Backup", "ivan.petrov"),
    ("campaign-support-briefing", "Backup", "josh.miller"),
    ("campaign-day-site-performance", "Backup", "olga.ivanova"),
    ("fraud-review-queue", "Owner", "victor.chen"),
    ("warranty-claims", "Owner", "amira.khan"),
]
TEAMS = [("jess.moreau", "Customer Service"), ("ben.walsh", "Operations")]


def _person(login: str) -> Person:
    return Person.objects.get(email=f"{login}@fernhill.example")


def test_a_draft_moves_six_roles_and_two_teams_and_publishes_them_at_once(
    demo_store, sign_in, live_server, assert_accessible
):
    before = gap_report(on=timezone.localdate()).coverage.percent
    page = sign_in("opslead", "ownermap-demo")
    page.goto(f"{live_server.url}/drafts/")
    page.get_by_label("Name of the draft").fill(NAME)
    page.get_by_role("button", name="Open a draft").click()
    expect(page.locator(".draft-banner")).to_contain_text(f"held in “{NAME}”")

    for slug, role, login in MOVES:
        task = Task.objects.get(slug=slug)
        person = _person(login)
        page.goto(f"{live_server.url}{task.get_absolute_url()}")
        people = page.locator("#people")
        people.get_by_label("Role").select_option(label=role)
        people.get_by_label("Person to add").fill(person.email)
        people.get_by_role("button", name="Add").click()
        expect(people.locator(".draft-held")).to_contain_text(
            f"{role} of “{task.name}”", timeout=10_000
        )
        expect(people.locator(".draft-held")).to_contain_text(person.name)
    assert_accessible(page, "main")

    for login, team in TEAMS:
        person = _person(login)
        page.goto(f"{live_server.url}/people/{person.pk}/edit")
        page.get_by_label("Team").select_option(label=team)
        page.get_by_role("button", name="Save").click()
        expect(page.locator("main")).to_contain_text(f"Held in the draft “{NAME}”")

    # Nothing of it is live yet.
    assert not Assignment.history.filter(history_change_reason=REASON).exists()
    assert _person("jess.moreau").team.name == "Operations"

    page.get_by_role("link", name=f"“{NAME}”").first.click()
    expect(page.locator("#draft-changes tbody tr")).to_have_count(8)
    coverage = page.locator("#draft-preview tr", has_text="Coverage")
    now, after = (int(cell.split()[0]) for cell in coverage.locator("td").all_inner_texts())
    assert now == before
    assert after > now
    expect(coverage).to_contain_text("better")
    assert_accessible(page, "main")

    page.get_by_role("button", name=re.compile(r"Publish 8 changes")).click()
    expect(page.locator("main")).to_contain_text(f"“{NAME}” is published: 8 changes")
    expect(page.locator(".draft-banner")).to_have_count(0)

    for slug, role, login in MOVES:
        held = Assignment.objects.get(task__slug=slug, role=Role(role.lower()))
        assert held.person == _person(login)
    assert {_person(login).team.name for login, _ in TEAMS} == {team for _, team in TEAMS}
    assert gap_report(on=timezone.localdate()).coverage.percent == after
    # One draft's name on every change it made.
    reasons = set(
        Assignment.history.filter(history_user__username="opslead").values_list(
            "history_change_reason", flat=True
        )
    ) | set(
        Person.history.filter(history_user__username="opslead").values_list(
            "history_change_reason", flat=True
        )
    )
    assert reasons == {REASON}
    page.goto(f"{live_server.url}{Task.objects.get(slug='bundle-approvals').get_absolute_url()}")
    expect(page.locator("#task-history")).to_contain_text(f"({REASON})")
