"""The Celery app. Broker and behaviour come from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ownermap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")


FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def make_folders(options: dict) -> None:
    """kombu's filesystem transport expects its folders to exist already."""
    for key in FOLDERS:
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


def ensure_filesystem_broker_folders() -> None:
    if str(app.conf.broker_url).startswith("filesystem://"):
        make_folders(app.conf.broker_transport_options or {})


@worker_init.connect
def _prepare_worker(**_kwargs) -> None:
    ensure_filesystem_broker_folders()


@app.on_after_configure.connect
def _prepare_publisher(**_kwargs) -> None:
    # The web process publishes too (a closed review's summary): it needs the folders as well.
    ensure_filesystem_broker_folders()


SWEEP = "reviews.sweep"


@beat_init.connect
def sweep_when_beat_starts(sender, **_kwargs) -> None:
    """Beat first fires an interval entry one interval after it starts: without this a new
    installation (or one back from downtime) would wait that long for what is already due. Only
    the one beat sends it, and the sweep is idempotent."""
    sender.app.send_task(SWEEP)
