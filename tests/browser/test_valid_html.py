"""Every page's HTML is valid to the Nu HTML Checker (vnu-jar from the npm registry, run on the
machine's Java), as an ops lead sees it on the demo store."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ownership.drafts import hold_task, open_draft, share
from ownership.models import Person, Team
from reviews import scheduling
from reviews.models import ReviewSession
from tasks_registry.models import Campaign, Promise, Task
from tests.conftest import require_service

pytestmark = pytest.mark.browser

VNU = Path(__file__).with_name("node_modules") / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _pages() -> list[str]:
    task = Task.objects.filter(is_active=True).order_by("pk").first()
    person = Person.objects.order_by("pk").first()
    team = Team.objects.order_by("pk").first()
    campaign = Campaign.objects.order_by("pk").first()
    session = ReviewSession.objects.order_by("pk").first()
    pages = [
        reverse("ownership:dashboard"),
        reverse("ownership:my_tasks"),
        reverse("ownership:map_by_stage"),
        reverse("ownership:map_by_stage") + "?stage=fulfilment",
        reverse("ownership:raci"),
        reverse("ownership:raci") + "?page=2",
        reverse("ownership:task_list"),
        reverse("ownership:task_create"),
        task.get_absolute_url(),
        reverse("ownership:task_edit", args=[task.slug]),
        reverse("ownership:search") + "?q=refund",
        reverse("ownership:person_list"),
        reverse("ownership:person_detail", args=[person.pk]),
        reverse("ownership:team_list"),
        reverse("ownership:team_detail", args=[team.slug]),
        reverse("ownership:changes"),
        reverse("ownership:policies"),
        reverse("ownership:search_words"),
        reverse("ownership:import_upload"),
        reverse("ownership:calendar_feeds"),
        reverse("tasks_registry:campaign_list"),
        reverse("ownership:campaign_detail", args=[campaign.slug]),
        reverse("reviews:session_list"),
    ]
    if session is not None:
        pages.append(reverse("reviews:session", args=[session.pk]))
    promise = Promise.objects.get(name="Free returns")
    today = timezone.localdate().isoformat()
    pages += [
        reverse("ownership:promise_list"),
        promise.get_absolute_url(),
        reverse("ownership:promise_create"),
        reverse("ownership:promise_edit", args=[promise.pk]),
        # The task whose place has not caught up with the promise's new wording.
        reverse("ownership:task_detail", args=["product-page-copy-alignment"]),
        reverse("ownership:map_by_stage") + f"?as_of={today}",
        reverse("ownership:raci") + f"?as_of={today}",
        task.get_absolute_url() + f"?as_of={today}",
        reverse("ownership:draft_list"),
        _draft_with_a_change(task),
    ]
    return pages


def _draft_with_a_change(task: Task) -> str:
    lead = User.objects.get(username="opslead")
    draft = open_draft(name="Peak season 2027", by=lead)
    hold_task(draft=draft, task=task, by=lead, criticality="critical")
    share(draft=draft, by=lead)
    return draft.get_absolute_url()


def test_every_page_is_valid_html(demo_store, tmp_path):
    java = shutil.which("java")
    require_service(bool(java), "Java is not installed (apt-get install -y default-jre-headless)")
    require_service(VNU.exists(), f"vnu-jar is not installed at {VNU} (make test installs it)")
    scheduling.sweep()  # the review sessions and escalations a first run shows
    client = Client()
    client.force_login(User.objects.get(username="opslead"))
    files = []
    for number, path in enumerate(_pages()):
        response = client.get(path)
        assert response.status_code == 200, path
        file = tmp_path / f"page-{number:02d}.html"
        file.write_bytes(response.content)
        files.append((file, path))
    # A page known to be wrong goes with them: the checker must find it, or it checked nothing.
    known_bad = tmp_path / "known-bad.html"
    known_bad.write_text(
        '<!doctype html><html lang="en"><head><title>x</title></head>'
        '<body><p hx-get="/x">x</p></body></html>'
    )
    files.append((known_bad, "known-bad"))
    # The tool and the files are the test's own.
    run = subprocess.run(  # noqa: S603
        [
            str(java),
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            *[str(f) for f, _ in files],
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    by_file = {str(f): p for f, p in files}
    messages = json.loads(run.stderr or '{"messages": []}')["messages"]
    errors = [
        f"{by_file.get(m['url'].removeprefix('file:'), m['url'])}:{m.get('lastLine')}: "
        + m["message"]
        for m in messages
        if m["type"] == "error"
    ]
    assert (
        errors.pop() == "known-bad:1: Attribute “hx-get” not allowed on element “p” at this point."
    )
    assert errors == []
