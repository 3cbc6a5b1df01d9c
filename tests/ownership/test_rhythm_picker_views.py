"""Setting a rhythm: the picker on the task form, its live preview, and the dashboard's fix."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks_registry.models import Stage, Task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

PREVIEW = reverse("tasks_registry:rhythm_preview")


def _task_form(task, **picker):
    return {
        "name": task.name,
        "stage": task.stage_id,
        "criticality": task.criticality,
        "definition_of_done": task.definition_of_done,
        "version": task.version,
        **picker,
    }


def test_the_picker_sets_a_calendar_rhythm_in_its_canonical_words(client, ops_lead):
    task = TaskFactory(name="Month-end close", rhythm="")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_edit", kwargs={"slug": task.slug}),
        _task_form(
            task,
            rhythm_mode="calendar",
            rhythm_every="month",
            rhythm_month_on="last_business",
            rhythm_interval="1",
        ),
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.rhythm == "monthly on the last business day"
    assert task.rhythm_set_on == timezone.localdate()
    assert task.next_due_on is not None
    page = client.get(task.get_absolute_url()).content.decode()
    assert f"Next due <strong>{task.next_due_on:%a} {task.next_due_on.day}" in page
    assert "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1" in page


def test_the_picker_sets_a_campaign_rhythm(client, ops_lead):
    task = TaskFactory(name="Promo code QA", rhythm="")
    client.force_login(ops_lead)
    client.post(
        reverse("ownership:task_edit", kwargs={"slug": task.slug}),
        _task_form(
            task,
            rhythm_mode="campaign",
            rhythm_days="2",
            rhythm_business="1",
            rhythm_direction="before",
            rhythm_kind="sale",
            rhythm_edge="start",
        ),
    )
    assert Task.objects.get(pk=task.pk).rhythm == "2 business days before each sale"


def test_the_edit_form_shows_the_saved_rhythm_in_the_picker(client, ops_lead):
    task = TaskFactory(name="Vendor calls", rhythm="every 2 weeks on friday")
    client.force_login(ops_lead)
    html = client.get(reverse("ownership:task_edit", kwargs={"slug": task.slug})).content.decode()
    assert 'name="rhythm_mode" value="calendar"' in html
    assert (
        'value="calendar" checked' in html
        or 'value="calendar" id="id_rhythm_mode_1" checked' in html
    )
    assert '<option value="week" selected>Weekly</option>' in html
    assert 'name="rhythm_weekdays" value="4"' in html
    assert "Falls due <strong>every 2 weeks on friday</strong>" in html


def test_a_rhythm_typed_in_words_that_cannot_be_read_is_refused_where_it_was_typed(
    client, ops_lead
):
    task = TaskFactory(name="Vendor calls", rhythm="weekly on monday")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_edit", kwargs={"slug": task.slug}),
        _task_form(task, rhythm_mode="text", rhythm_text="whenever Bob remembers"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_rhythm_text_error"' in html
    assert "“whenever Bob remembers” is not a rhythm Ownermap can read." in html
    assert 'value="whenever Bob remembers"' in html
    assert Task.objects.get(pk=task.pk).rhythm == "weekly on monday"


def test_a_weekly_rhythm_with_no_day_ticked_is_refused(client, ops_lead):
    task = TaskFactory(name="Vendor calls", rhythm="")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_edit", kwargs={"slug": task.slug}),
        _task_form(task, rhythm_mode="calendar", rhythm_every="week"),
    )
    assert "Say which day of the week" in response.content.decode()
    assert Task.objects.get(pk=task.pk).rhythm == ""


def test_a_new_task_can_be_made_with_no_rhythm_yet(client, ops_lead):
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_create"),
        {
            "name": "Budget",
            "stage": Stage.objects.first().pk,
            "criticality": "normal",
            "rhythm_mode": "",
        },
    )
    assert response.status_code == 302
    assert Task.objects.get().rhythm == ""


def test_the_preview_says_the_rhythm_in_words_and_its_next_days(client, ops_lead, htmx_headers):
    client.force_login(ops_lead)
    response = client.get(
        PREVIEW,
        {"rhythm_mode": "calendar", "rhythm_every": "week", "rhythm_weekdays": ["0", "3"]},
        **htmx_headers,
    )
    html = response.content.decode().strip()
    assert html.startswith('<output id="rhythm-preview"')
    assert "Falls due <strong>weekly on monday and thursday</strong>." in html
    assert html.count(" 202") == 3  # three dates


def test_the_preview_of_unreadable_words_is_the_reason(client, ops_lead):
    client.force_login(ops_lead)
    html = client.get(PREVIEW, {"rhythm_mode": "text", "rhythm_text": "weekly on mondy"}).content
    assert "“mondy” is not a day of the week." in html.decode()


def test_the_preview_of_a_campaign_rhythm_with_no_campaign_says_so(client, ops_lead):
    client.force_login(ops_lead)
    html = client.get(
        PREVIEW, {"rhythm_mode": "campaign", "rhythm_days": "2", "rhythm_direction": "before"}
    ).content.decode()
    assert "No campaign on the calendar yet gives it a date." in html


def test_the_dashboard_fix_refuses_an_unreadable_rhythm_at_its_input(
    client, ops_lead, htmx_headers
):
    task = TaskFactory(name="Budget", rhythm="")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:fix", kwargs={"slug": task.slug, "kind": "rhythm"}),
        {
            "rhythm": "every blue moon",
            "version": task.version,
            "fix_id": f"fix-{task.pk}-no_rhythm",
        },
        **htmx_headers,
    )
    assert "“every blue moon” is not a rhythm Ownermap can read." in response.content.decode()
    assert Task.objects.get(pk=task.pk).rhythm == ""


def test_the_dashboard_fix_saves_the_canonical_words(client, ops_lead, htmx_headers):
    task = TaskFactory(name="Budget", rhythm="")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:fix", kwargs={"slug": task.slug, "kind": "rhythm"}),
        {"rhythm": "Every Monday", "version": task.version, "fix_id": f"fix-{task.pk}-no_rhythm"},
        **htmx_headers,
    )
    assert "now falls due weekly on monday" in response.content.decode()
    assert Task.objects.get(pk=task.pk).rhythm == "weekly on monday"


def test_a_refused_rhythm_says_why_once_and_every_description_it_points_to_exists(client, ops_lead):
    task = TaskFactory(name="Month-end close")
    client.force_login(ops_lead)
    response = client.post(
        reverse("ownership:task_edit", kwargs={"slug": task.slug}),
        _task_form(task, name="", rhythm_mode="text", rhythm_text="weekly on mondy"),
    )
    html = response.content.decode()
    assert html.count("“mondy” is not a day of the week.") == 1
    described = {
        ref for refs in re.findall(r'aria-describedby="([^"]+)"', html) for ref in refs.split()
    }
    assert {"id_rhythm_text_error", "id_name_error"} <= described
    assert [ref for ref in described if f'id="{ref}"' not in html] == []
