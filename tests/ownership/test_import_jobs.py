"""Applying an import runs as a job, off the request: the request only queues it, the preview
page follows it with a progress bar, it can be left and come back to, and a second apply of
the same preview is refused while the first waits or runs."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.urls import reverse
from django.utils import timezone

from ownership import jobs
from ownership.models import ApplyState, ImportJob, MapImport
from ownership.sheets import apply as sheets_apply
from ownership.sheets import uploads
from tasks_registry.models import Task
from tests.factories import PersonFactory
from tests.ownership.sheets.helpers import csv_bytes

GOOD = [
    ["Gift wrap station", "Fulfilment", "Sam Carter", "", "weekly on monday", "200 wraps stocked"],
    ["Parcel insurance claims", "Delivery", "lena@shop.example", "Sam Carter", "", "Claim filed"],
]


@pytest.fixture
def queued(monkeypatch):
    """Jobs handed to the queue, as (upload id, user id): no worker runs them here."""
    handed: list[tuple[int, int]] = []
    monkeypatch.setattr(jobs, "apply_later", lambda *ids: handed.append(ids))
    return handed


def _uploaded(client) -> MapImport:
    PersonFactory(name="Sam Carter", email="sam@shop.example")
    client.post(
        reverse("ownership:import_upload"),
        {"file": SimpleUploadedFile("map.csv", csv_bytes(GOOD))},
    )
    return MapImport.objects.get()


def _apply(client, upload, **kwargs):
    return client.post(reverse("ownership:import_apply", args=[upload.pk]), **kwargs)


@pytest.mark.django_db
def test_applying_queues_a_job_and_the_page_follows_it_to_the_end(client, ops_lead, queued):
    client.force_login(ops_lead)
    upload = _uploaded(client)
    response = _apply(client, upload)
    assert response.status_code == 302
    assert queued == [(upload.pk, ops_lead.pk)]
    assert not Task.objects.exists()  # the request wrote nothing of the map
    page = client.get(response.url).content.decode()
    assert 'id="import-progress"' in page
    assert f'data-hx-get="{reverse("ownership:import_progress", args=[upload.pk])}"' in page
    assert "You can leave this page and come back" in page
    assert "Apply the import" not in page

    progress = reverse("ownership:import_progress", args=[upload.pk])
    polled = client.get(progress, HTTP_HX_REQUEST="true")
    assert polled.content.decode().lstrip().startswith('<section id="import-progress"')

    uploads.run_apply(*queued[0])  # the worker
    assert Task.objects.count() == 2
    ended = client.get(progress, HTTP_HX_REQUEST="true")
    assert (ended.status_code, ended["HX-Refresh"]) == (204, "true")
    done = client.get(response.url).content.decode()
    assert "Imported map.csv: 2 new and 0 updated tasks, 1 new person." in done
    assert ImportJob.objects.get().state == ApplyState.DONE


@pytest.mark.django_db
def test_a_second_apply_while_the_first_waits_is_refused(client, ops_lead, queued):
    client.force_login(ops_lead)
    upload = _uploaded(client)
    _apply(client, upload)
    again = _apply(client, upload, follow=True).content.decode()
    assert "map.csv is being imported already: this page follows it." in again
    assert len(queued) == 1


@pytest.mark.django_db
def test_a_job_whose_worker_died_may_be_applied_again(client, ops_lead, queued, settings):
    client.force_login(ops_lead)
    upload = _uploaded(client)
    _apply(client, upload)
    ImportJob.objects.update(
        state=ApplyState.RUNNING,
        started_at=timezone.now()
        - datetime.timedelta(minutes=settings.OWNERMAP_IMPORT_JOB_MINUTES + 1),
    )
    _apply(client, upload)
    assert len(queued) == 2
    assert ImportJob.objects.get().state == ApplyState.QUEUED


@pytest.mark.django_db
def test_with_the_queue_unreachable_the_page_says_so_and_it_can_be_applied_again(
    client, ops_lead, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args):
        raise OSError("Connection refused")

    monkeypatch.setattr(jobs.apply_import, "delay", unreachable)
    client.force_login(ops_lead)
    upload = _uploaded(client)
    with django_capture_on_commit_callbacks(execute=True):
        _apply(client, upload)
    page = client.get(reverse("ownership:import_preview", args=[upload.pk])).content.decode()
    assert "The job queue could not be reached, so nothing was imported." in page
    assert "Apply the import" in page
    assert ImportJob.objects.get().state == ApplyState.FAILED


@pytest.mark.django_db
def test_a_job_delivered_twice_imports_once(client, ops_lead, queued):
    client.force_login(ops_lead)
    upload = _uploaded(client)
    _apply(client, upload)
    uploads.run_apply(*queued[0])
    uploads.run_apply(*queued[0])
    assert Task.objects.count() == 2
    assert Task.history.count() == 2
    assert ImportJob.objects.get().state == ApplyState.DONE


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_progress_shows_while_the_import_runs(
    reference_data, client, ops_lead, queued, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: the page shows only that it runs")
    client.force_login(ops_lead)
    upload = _uploaded(client)
    _apply(client, upload)
    seen = []
    real = sheets_apply.plan_import

    def planning(*args, **kwargs):
        # Inside the import's transaction: what does someone else's connection see now?
        other = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT state, progress, step FROM ownership_importjob WHERE upload_id = %s",
                    [upload.pk],
                )
                seen.append(cursor.fetchone())
        finally:
            other.close()
        return real(*args, **kwargs)

    monkeypatch.setattr(sheets_apply, "plan_import", planning)
    worker = threading.Thread(target=uploads.run_apply, args=queued[0])
    worker.start()
    worker.join(timeout=60)
    assert seen == [("running", 5, "Reading the 2 rows against the map")]
    assert Task.objects.count() == 2
