"""An import in the browser: the file kept with its dry run, then applied from the same bytes."""

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


def apply_upload(*, upload: MapImport, by: AbstractBaseUser) -> ImportPlan:
    """Apply the kept file. ImportRefused if the map changed since the preview so that a row
    no longer fits (the preview is brought up to date); ValidationError if it was applied."""
    try:
        with transaction.atomic():
            current = MapImport.objects.select_for_update().get(pk=upload.pk)
            if current.applied_at is not None:
                raise ValidationError(
                    f"{current.file_name} was imported on "
                    f"{timezone.localtime(current.applied_at):%-d %b %Y at %H:%M}."
                )
            table = read_table(bytes(current.content), current.file_name)
            plan = apply_import(table=table, file_name=current.file_name, by=by)
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
