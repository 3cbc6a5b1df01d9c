"""An import's preview is checked when it is applied: a task changed since, by someone else,
keeps their change and the import writes nothing; an old or replaced preview is not applied."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ownership.assignments import assign_backup, assign_owner
from ownership.models import MapImport
from tasks_registry.changes import update_task
from tasks_registry.models import Stage, Task
from tests.factories import PersonFactory, TaskFactory
from tests.ownership.sheets.helpers import csv_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_jobs_run_now")]

DONE = "Every gift wrap order packed the same day"


@pytest.fixture
def wrap(db):
    task = TaskFactory(
        name="Gift wrap station",
        stage=Stage.objects.get(slug="fulfilment"),
        rhythm="weekly on monday",
        definition_of_done=DONE,
    )
    assign_owner(
        task=task, person=PersonFactory(name="Sam Carter", email="sam@shop.example"), by=None
    )
    return task


def _preview(client, rows, name="map.csv") -> MapImport:
    data = csv_bytes(rows)
    client.post(reverse("ownership:import_upload"), {"file": SimpleUploadedFile(name, data)})
    return MapImport.objects.order_by("-pk").first()


def _apply(client, upload, *, follow=True):
    """Apply, and the preview page the import's job ends on (it runs at once here)."""
    return client.post(reverse("ownership:import_apply", args=[upload.pk]), follow=follow)


def _same_as_the_map():
    return [["Gift wrap station", "Fulfilment", "sam@shop.example", "", "weekly on monday", DONE]]


def test_an_edit_made_after_the_preview_is_kept_and_nothing_is_imported(
    client, ops_lead, manager, wrap
):
    client.force_login(ops_lead)
    rows = _same_as_the_map()
    rows[0][4] = "daily"  # the sheet changes the rhythm
    upload = _preview(client, rows)
    assert upload.preview["counts"]["updated"] == 1
    update_task(task=wrap, by=manager, definition_of_done="Packed and labelled by 3 pm")

    response = _apply(client, upload)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("ownership:import_preview", args=[upload.pk])
    assert "1 task changed since your preview" in html
    assert "<strong>Gift wrap station</strong>: changed by Mo Manager at " in html
    assert "Preview it again" in html
    assert "Apply the import" not in html
    wrap.refresh_from_db()
    assert (wrap.definition_of_done, wrap.rhythm) == (
        "Packed and labelled by 3 pm",
        "weekly on monday",
    )
    upload.refresh_from_db()
    assert upload.applied_at is None


def test_people_changed_after_the_preview_count_as_a_change(client, ops_lead, manager, wrap):
    client.force_login(ops_lead)
    upload = _preview(client, _same_as_the_map())
    assign_backup(task=wrap, person=PersonFactory(name="Kofi Mensah"), by=manager)
    response = _apply(client, upload)
    assert response.redirect_chain[-1][0] == reverse("ownership:import_preview", args=[upload.pk])
    assert "changed by Mo Manager at" in response.content.decode()


def test_a_task_added_after_the_preview_is_not_overwritten(client, ops_lead, manager, wrap):
    client.force_login(ops_lead)
    rows = [["Parcel insurance claims", "Delivery", "sam@shop.example", "", "", "Claim filed"]]
    upload = _preview(client, rows)
    assert upload.preview["counts"]["created"] == 1
    task = TaskFactory(name="Parcel insurance claims", definition_of_done="Theirs")
    Task.history.filter(id=task.pk).update(history_user=manager)
    response = _apply(client, upload)
    assert response.redirect_chain[-1][0] == reverse("ownership:import_preview", args=[upload.pk])
    assert "added to the map by Mo Manager at" in response.content.decode()
    assert Task.objects.get(pk=task.pk).definition_of_done == "Theirs"


def test_previewing_again_shows_what_the_file_would_do_now(client, ops_lead, manager, wrap):
    client.force_login(ops_lead)
    upload = _preview(client, _same_as_the_map())
    assert upload.preview["counts"]["unchanged"] == 1
    update_task(task=wrap, by=manager, definition_of_done="Packed and labelled by 3 pm")
    assert "1 task changed since your preview" in _apply(client, upload).content.decode()

    response = client.post(reverse("ownership:import_again", args=[upload.pk]))
    again = MapImport.objects.order_by("-pk").first()
    assert again.pk != upload.pk
    assert response["Location"] == reverse("ownership:import_preview", args=[again.pk])
    assert again.preview["counts"]["updated"] == 1  # the file would now undo their edit, visibly
    assert _apply(client, again, follow=False).status_code == 302
    wrap.refresh_from_db()
    assert wrap.definition_of_done == DONE


def test_an_expired_preview_is_not_applied(client, ops_lead, wrap, settings):
    settings.OWNERMAP_IMPORT_PREVIEW_MINUTES = 60
    client.force_login(ops_lead)
    rows = _same_as_the_map()
    rows[0][4] = "daily"
    upload = _preview(client, rows)
    MapImport.objects.filter(pk=upload.pk).update(
        uploaded_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    response = _apply(client, upload, follow=False)
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "This preview expired at" in html
    assert "Apply the import" not in html
    assert "Preview it again" in html
    assert Task.objects.get(pk=wrap.pk).rhythm == "weekly on monday"


def test_a_newer_upload_replaces_the_preview(client, ops_lead, wrap):
    client.force_login(ops_lead)
    rows = _same_as_the_map()
    rows[0][4] = "daily"
    older = _preview(client, rows, name="monday.csv")
    _preview(client, _same_as_the_map(), name="tuesday.csv")
    _apply(client, older)
    html = client.get(reverse("ownership:import_preview", args=[older.pk])).content.decode()
    assert "You uploaded tuesday.csv after this one" in html
    assert Task.objects.get(pk=wrap.pk).rhythm == "weekly on monday"


def test_an_import_applied_since_the_preview_outdates_it(client, ops_lead, manager, wrap):
    client.force_login(ops_lead)
    rows = _same_as_the_map()
    rows[0][4] = "daily"
    older = _preview(client, rows)
    client.force_login(manager)
    theirs = _preview(
        client, [["Returns desk", "Returns & refunds", "", "", "", "Every return logged"]]
    )
    assert _apply(client, theirs, follow=False).status_code == 302
    client.force_login(ops_lead)
    _apply(client, older)
    html = client.get(reverse("ownership:import_preview", args=[older.pk])).content.decode()
    assert "map.csv was imported at" in html
    assert Task.objects.get(pk=wrap.pk).rhythm == "weekly on monday"
