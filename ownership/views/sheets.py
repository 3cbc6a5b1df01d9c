"""The map as a spreadsheet: import with a preview first, export in the same format, RACI."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import error_response
from config.rendering import HtmxRequest
from ownership import jobs
from ownership.dashboard_sections import Filters
from ownership.forms import ImportForm
from ownership.map import raci_matrix
from ownership.models import ApplyState, MapImport
from ownership.permissions import EDIT_MAP, VIEW_MAP
from ownership.sheets.columns import COLUMNS
from ownership.sheets.export import map_table, raci_table
from ownership.sheets.files import CSV_TYPE, XLSX_TYPE, SheetError, write_csv, write_xlsx
from ownership.sheets.uploads import (
    in_progress,
    job_of,
    outdated,
    preview_again,
    preview_upload,
    request_apply,
)
from ownership.time_travel import parse_day, raci_as_of

# The preview lists this many rows of changes; the counts cover them all.
PREVIEW_ROWS = 200


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_MAP, raise_exception=True)
def import_upload(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            kept = preview_upload(file_name=upload.name, data=upload.read(), by=request.user)
        except SheetError as error:
            form.add_error("file", str(error))
        else:
            return redirect("ownership:import_preview", pk=kept.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "columns": COLUMNS, "recent": _recent(request)}
    return render(request, "ownership/import.html", context, status=status)


def _recent(request: HttpRequest):
    return MapImport.objects.filter(uploaded_by=request.user).defer("content")[:5]


def _own_upload(request: HttpRequest, pk: int) -> MapImport:
    """An upload is seen by the person who made it: it may hold people's emails they typed."""
    upload = get_object_or_404(MapImport.objects.defer("content"), pk=pk)
    if upload.uploaded_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return upload


@require_GET
@permission_required(EDIT_MAP, raise_exception=True)
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _own_upload(request, pk)
    return _preview_page(request, upload)


def _preview_page(request: HttpRequest, upload: MapImport) -> HttpResponse:
    preview = upload.applied if upload.applied_at else upload.preview
    job = job_of(upload)
    running = in_progress(job)
    failed = job is not None and job.state == ApplyState.FAILED and not upload.applied_at
    context = {
        "upload": upload,
        "job": job,
        "running": running,
        "failed": job.error if failed and job else "",
        "outdated": "" if running else outdated(upload),
        "conflicts": job.conflicts if failed and job else [],
        "preview": preview,
        "rows": preview.get("rows", [])[:PREVIEW_ROWS],
        "more_rows": max(0, len(preview.get("rows", [])) - PREVIEW_ROWS),
        "form": ImportForm(),
    }
    return render(request, "ownership/import_preview.html", context)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def import_apply(request: HtmxRequest, pk: int) -> HttpResponse:
    """Queue the import for a worker and follow it on the preview page: a large file takes
    longer than a request may."""
    upload = _own_upload(request, pk)
    try:
        request_apply(upload=upload, by=request.user)
    except ValidationError as error:
        if error.code != "outdated":  # the preview page says why it is outdated itself
            messages.error(request, error.messages[0])
        return redirect("ownership:import_preview", pk=upload.pk)
    jobs.apply_later(upload.pk, request.user.pk)
    return redirect("ownership:import_preview", pk=upload.pk)


@require_GET
@permission_required(EDIT_MAP, raise_exception=True)
def import_progress(request: HtmxRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by the preview page while the job runs; once it has ended,
    the page itself, whole, to show how."""
    upload = _own_upload(request, pk)
    job = job_of(upload)
    if in_progress(job):
        context = {"upload": upload, "job": job}
        return render(request, "ownership/import_preview.html#progress", context)
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return response


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def import_again(request: HtmxRequest, pk: int) -> HttpResponse:
    """The same file previewed again against the map as it is now."""
    upload = _own_upload(request, pk)
    again = preview_again(upload=upload, by=request.user)
    return redirect("ownership:import_preview", pk=again.pk)


def _download(data: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def _file_name(base: str, filters: Filters, extension: str, *, as_of: str = "") -> str:
    parts = [base]
    if filters.stage:
        parts.append(filters.stage.slug)
    if filters.team:
        parts.append(filters.team.slug)
    if filters.metric:
        parts.append(slugify(filters.metric.name))
    if as_of:
        parts.append(f"as-of-{as_of}")
    return "-".join(parts) + f".{extension}"


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def map_export(request: HttpRequest, extension: str) -> HttpResponse:
    """The map (or the stage or team asked for) in the import's format."""
    filters = Filters.from_query(request.GET)
    header, rows = map_table(filters.tasks())
    name = _file_name("ownermap", filters, extension)
    if extension == "xlsx":
        sheet = write_xlsx(header, rows, "Ownership map", frozen_columns=1)
        return _download(sheet, XLSX_TYPE, name)
    return _download(write_csv(header, rows), CSV_TYPE, name)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def raci_export(request: HttpRequest, extension: str) -> HttpResponse:
    filters = Filters.from_query(request.GET)
    as_of = request.GET.get("as_of", "")
    name = _file_name("ownermap-raci", filters, extension, as_of=as_of)
    if as_of:
        # The matrix as it was at the end of that day, from the history (ownership/time_travel.py).
        try:
            matrix = raci_as_of(
                parse_day(as_of), stage=filters.stage, team=filters.team, stages=filters.stages
            ).matrix()
        except ValidationError as error:
            return error_response(request, 400, " ".join(error.messages))
    else:
        matrix = raci_matrix(filters.tasks())
    header, rows = raci_table(matrix)
    if extension == "xlsx":
        # Task and stage stay in view; the legend under the rows stays out of the filter.
        sheet = write_xlsx(header, rows, "RACI", frozen_columns=2, data_rows=len(matrix.rows))
        return _download(sheet, XLSX_TYPE, name)
    return _download(write_csv(header, rows), CSV_TYPE, name)
