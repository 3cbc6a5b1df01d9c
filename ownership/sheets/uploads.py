"""An import in the browser: the file kept with its dry run, then applied from the same bytes."""

import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ownership.models import MapImport
from ownership.sheets.apply import ImportRefused, apply_import
from ownership.sheets.files import read_table
from ownership.sheets.plan import ImportPlan, plan_import


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


def apply_upload(*, upload: MapImport, by: AbstractBaseUser) -> ImportPlan:
    """Apply the kept file. ValidationError if it was applied, or its preview is outdated;
    ImportConflict if a row's task changed since the preview (nothing is written, whoever made
    the change keeps it); ImportRefused if the map changed so that a row no longer fits (the
    preview is brought up to date)."""
    try:
        with transaction.atomic():
            current = MapImport.objects.select_for_update().get(pk=upload.pk)
            if current.applied_at is not None:
                raise ValidationError(
                    f"{current.file_name} was imported on "
                    f"{timezone.localtime(current.applied_at):%-d %b %Y at %H:%M}."
                )
            refusal = outdated(current)
            if refusal:
                raise ValidationError(refusal, code="outdated")
            table = read_table(bytes(current.content), current.file_name)
            plan = apply_import(
                table=table,
                file_name=current.file_name,
                by=by,
                previewed=(current.preview.get("read", {}), current.uploaded_at),
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
