"""An import in the browser: the file kept with its dry run, then applied from the same bytes,
by a job (ownership/jobs.py) that the page follows.

request_apply queues it (refusing a second apply of the same preview while one waits or
runs), run_apply is the job: it applies in one transaction, all or nothing, and says how far
it got. On PostgreSQL it says so through a second connection, outside the import's own
transaction, so the page sees the percentage move; SQLite takes one writer at a time, so there
the page shows that it is running, and since when. A job whose worker died is given up after
OWNERMAP_IMPORT_JOB_MINUTES and may be applied again.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone

from ownership.models import ApplyState, ImportJob, MapImport
from ownership.sheets.apply import ImportRefused, apply_import
from ownership.sheets.conflicts import ImportConflict
from ownership.sheets.files import read_table
from ownership.sheets.plan import ImportPlan, plan_import

log = logging.getLogger(__name__)

CONFLICT_MESSAGE = (
    "Some tasks changed since your preview, so nothing was imported: their changes are kept. "
    "Preview the file again to see what it would do now."
)
REFUSED_MESSAGE = (
    "The map changed since the preview, and some rows no longer fit: nothing was imported. "
    "The problems are below."
)


def preview_upload(*, file_name: str, data: bytes, by: AbstractBaseUser) -> MapImport:
    """Keep the file and its dry run. SheetError if the file as a whole cannot be read."""
    plan = plan_import(read_table(data, file_name), file_name)
    return MapImport.objects.create(
        uploaded_by=by, file_name=file_name, content=data, preview=plan.as_json()
    )


def outdated(upload: MapImport) -> str:
    """Why the preview may no longer be applied ("" if it may): it expired, a newer upload of
    the same person replaced it, or an import applied since changed the map it read."""
    if upload.applied_at is not None:
        return ""
    expires = upload.uploaded_at + datetime.timedelta(
        minutes=settings.OWNERMAP_IMPORT_PREVIEW_MINUTES
    )
    if timezone.now() >= expires:
        return (
            f"This preview expired at {timezone.localtime(expires):%H:%M}: the map may have "
            "changed since. Preview it again to see what it would do now."
        )
    newer = MapImport.objects.filter(uploaded_at__gt=upload.uploaded_at).exclude(pk=upload.pk)
    later = newer.filter(uploaded_by_id=upload.uploaded_by_id).order_by("-uploaded_at").first()
    if later is not None:
        return (
            f"You uploaded {later.file_name} after this one: that preview replaces this. "
            "Preview this file again to import it instead."
        )
    applied = (
        MapImport.objects.filter(applied_at__gt=upload.uploaded_at).order_by("-applied_at").first()
    )
    if applied is not None:
        return (
            f"{applied.file_name} was imported at "
            f"{timezone.localtime(applied.applied_at):%H:%M}, after this preview: preview this "
            "file again to see what it would do now."
        )
    return ""


def preview_again(*, upload: MapImport, by: AbstractBaseUser) -> MapImport:
    """The same file previewed against the map as it is now, as a new upload."""
    current = MapImport.objects.get(pk=upload.pk)
    return preview_upload(file_name=current.file_name, data=bytes(current.content), by=by)


def apply_upload(
    *,
    upload: MapImport,
    by: AbstractBaseUser,
    progress: Any = None,
) -> ImportPlan:
    """Apply the kept file. ValidationError if it was applied, or its preview is outdated;
    ImportConflict if a row's task changed since the preview (nothing is written, whoever made
    the change keeps it); ImportRefused if the map changed so that a row no longer fits (the
    preview is brought up to date)."""
    try:
        with transaction.atomic():
            current = MapImport.objects.select_for_update().get(pk=upload.pk)
            if current.applied_at is not None:
                raise ValidationError(_imported_on(current), code="applied")
            refusal = outdated(current)
            if refusal:
                raise ValidationError(refusal, code="outdated")
            table = read_table(bytes(current.content), current.file_name)
            plan = apply_import(
                table=table,
                file_name=current.file_name,
                by=by,
                previewed=(current.preview.get("read", {}), current.uploaded_at),
                progress=progress,
            )
            current.applied_at = timezone.now()
            current.applied = plan.as_json()
            current.save(update_fields=["applied_at", "applied"])
    except ImportRefused as refused:
        MapImport.objects.filter(pk=upload.pk).update(preview=refused.plan.as_json())
        raise
    except IntegrityError:
        # Someone added a task or a person of the same name while this import ran.
        raise ValidationError(
            "The map changed while the import was being written, so nothing was imported: "
            "apply it again."
        ) from None
    return plan


def job_of(upload: MapImport) -> ImportJob | None:
    return ImportJob.objects.filter(upload=upload).first()


def in_progress(job: ImportJob | None) -> bool:
    """Queued or running, and not given up: a worker that died leaves its job running."""
    if job is None or job.state not in (ApplyState.QUEUED, ApplyState.RUNNING):
        return False
    limit = datetime.timedelta(minutes=settings.OWNERMAP_IMPORT_JOB_MINUTES)
    return timezone.now() - job.started_at < limit


def request_apply(*, upload: MapImport, by: AbstractBaseUser) -> ImportJob:
    """Queue the import of a kept file, for ownership.jobs to apply. ValidationError if it
    was applied, is being applied, or its preview is outdated."""
    with transaction.atomic():
        current = MapImport.objects.select_for_update().defer("content").get(pk=upload.pk)
        if current.applied_at is not None:
            raise ValidationError(_imported_on(current), code="applied")
        if in_progress(job_of(current)):
            raise ValidationError(
                f"{current.file_name} is being imported already: this page follows it.",
                code="in_progress",
            )
        refusal = outdated(current)
        if refusal:
            raise ValidationError(refusal, code="outdated")
        if not current.preview.get("ok"):
            raise ValidationError(
                "Nothing can be imported until every row is right: fix the problems below "
                "in the file and upload it again.",
                code="problems",
            )
        job, _ = ImportJob.objects.update_or_create(
            upload=current,
            defaults={
                "state": ApplyState.QUEUED,
                "progress": 0,
                "step": "Waiting for a worker",
                "started_at": timezone.now(),
                "error": "",
                "conflicts": [],
            },
        )
    return job


def queue_failed(upload_id: int, error: Exception) -> None:
    """The job could not be handed to a worker: say so on the page, and let it be tried again."""
    log.warning("import %s could not be queued: %s", upload_id, error)
    _ended(
        upload_id,
        ApplyState.FAILED,
        "The job queue could not be reached, so nothing was imported. Apply it again in a "
        "minute; if it keeps failing, tell your admin.",
    )


def run_apply(upload_id: int, by_id: int) -> None:
    """The job: apply the kept file, saying how far it got, and record how it ended."""
    by = get_user_model().objects.get(pk=by_id)
    upload = MapImport.objects.defer("content").get(pk=upload_id)
    if upload.applied_at is not None:
        return  # a job delivered twice: the first one did it
    report = _ProgressReport(upload_id)
    report(1, "Starting")
    try:
        apply_upload(upload=upload, by=by, progress=report)
    except ImportConflict as conflict:
        _ended(
            upload_id,
            ApplyState.FAILED,
            CONFLICT_MESSAGE,
            [c.as_json() for c in conflict.conflicts],
        )
    except ImportRefused:
        _ended(upload_id, ApplyState.FAILED, REFUSED_MESSAGE)
    except ValidationError as error:
        if error.code != "applied":  # another delivery of this job did it meanwhile
            _ended(upload_id, ApplyState.FAILED, error.messages[0])
    except Exception:
        log.exception("import %s stopped", upload_id)
        _ended(
            upload_id,
            ApplyState.FAILED,
            "The import stopped on an error, so nothing was imported. Apply it again; if it "
            "stops again, tell your admin (the error is in the worker's log).",
        )
    else:
        _ended(upload_id, ApplyState.DONE, "")
    finally:
        report.close()


def _ended(upload_id: int, state: str, error: str, conflicts: list[Any] | None = None) -> None:
    ImportJob.objects.filter(upload_id=upload_id).update(
        state=state,
        progress=100 if state == ApplyState.DONE else 0,
        step="Done" if state == ApplyState.DONE else "",
        error=error,
        conflicts=conflicts or [],
    )


def _imported_on(upload: MapImport) -> str:
    applied = timezone.localtime(upload.applied_at)
    return f"{upload.file_name} was imported on {applied:%-d %b %Y at %H:%M}."


class _ProgressReport:
    """Writes how far the job got where the page can read it while the import's own
    transaction is open: through a connection of its own, on the job's row (which the import
    does not lock). SQLite allows one writer, the import itself, so there only what is said
    outside that transaction is written: the page shows that it runs, and since when."""

    def __init__(self, upload_id: int) -> None:
        self.upload_id = upload_id
        self.side = (
            connections.create_connection(DEFAULT_DB_ALIAS)
            if connection.vendor == "postgresql"
            else None
        )

    def __call__(self, percent: int, step: str) -> None:
        if self.side is None:
            if not connection.in_atomic_block:
                ImportJob.objects.filter(upload_id=self.upload_id).update(
                    state=ApplyState.RUNNING, progress=percent, step=step[:200]
                )
            return
        table = self.side.ops.quote_name(ImportJob._meta.db_table)
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET state = %s, progress = %s, step = %s "  # noqa: S608
                "WHERE upload_id = %s",
                [ApplyState.RUNNING, percent, step[:200], self.upload_id],
            )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
