"""The map as a spreadsheet: import with a preview first, export in the same format, RACI."""

from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.rendering import HtmxRequest
from ownership.dashboard_sections import Filters
from ownership.forms import ImportForm
from ownership.gap_rules import active_tasks_filtered
from ownership.map import raci_matrix
from ownership.models import MapImport
from ownership.permissions import EDIT_MAP, VIEW_MAP
from ownership.sheets.apply import ImportRefused
from ownership.sheets.columns import COLUMNS
from ownership.sheets.conflicts import Conflict, ImportConflict
from ownership.sheets.export import map_table, raci_table
from ownership.sheets.files import CSV_TYPE, XLSX_TYPE, SheetError, write_csv, write_xlsx
from ownership.sheets.uploads import apply_upload, outdated, preview_again, preview_upload

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


def _preview_page(
    request: HttpRequest,
    upload: MapImport,
    status: int = 200,
    conflicts: Sequence[Conflict] = (),
) -> HttpResponse:
    preview = upload.applied if upload.applied_at else upload.preview
    context = {
        "upload": upload,
        "outdated": outdated(upload),
        "conflicts": conflicts,
        "preview": preview,
        "rows": preview.get("rows", [])[:PREVIEW_ROWS],
        "more_rows": max(0, len(preview.get("rows", [])) - PREVIEW_ROWS),
        "form": ImportForm(),
    }
    return render(request, "ownership/import_preview.html", context, status=status)


@require_POST
@permission_required(EDIT_MAP, raise_exception=True)
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _own_upload(request, pk)
    try:
        plan = apply_upload(upload=upload, by=request.user)
    except ImportConflict as conflict:
        messages.error(
            request,
            "Some tasks changed since your preview, so nothing was imported: their changes are "
            "kept. Preview the file again to see what it would do now.",
        )
        return _preview_page(request, upload, status=409, conflicts=conflict.conflicts)
    except ImportRefused:
        upload.refresh_from_db()
        messages.error(
            request,
            "The map changed since the preview, and some rows no longer fit: nothing was "
            "imported. The problems are below.",
        )
        return _preview_page(request, upload, status=409)
    except ValidationError as error:
        if error.code != "outdated":  # the preview page says why it is outdated itself
            messages.error(request, error.messages[0])
        return redirect("ownership:import_preview", pk=upload.pk)
    counts = plan.counts
    messages.success(
        request,
        f"Imported {upload.file_name}: {counts['created']} new and {counts['updated']} updated "
        f"tasks, {counts['people_created']} new people.",
    )
    return redirect("ownership:import_preview", pk=upload.pk)


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


def _file_name(base: str, filters: Filters, extension: str) -> str:
    parts = [base]
    if filters.stage:
        parts.append(filters.stage.slug)
    if filters.team:
        parts.append(filters.team.slug)
    return "-".join(parts) + f".{extension}"


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def map_export(request: HttpRequest, extension: str) -> HttpResponse:
    """The map (or the stage or team asked for) in the import's format."""
    filters = Filters.from_query(request.GET)
    header, rows = map_table(active_tasks_filtered(stage=filters.stage, team=filters.team))
    name = _file_name("ownermap", filters, extension)
    if extension == "xlsx":
        return _download(write_xlsx(header, rows, "Ownership map"), XLSX_TYPE, name)
    return _download(write_csv(header, rows), CSV_TYPE, name)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def raci_export(request: HttpRequest, extension: str) -> HttpResponse:
    filters = Filters.from_query(request.GET)
    matrix = raci_matrix(active_tasks_filtered(stage=filters.stage, team=filters.team))
    header, rows = raci_table(matrix)
    name = _file_name("ownermap-raci", filters, extension)
    if extension == "xlsx":
        return _download(write_xlsx(header, rows, "RACI"), XLSX_TYPE, name)
    return _download(write_csv(header, rows), CSV_TYPE, name)
