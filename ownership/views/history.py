"""The map's change log: newest first, a page at a time, narrowed by person, task, team, kind
and dates, and the same as a CSV download (ownership/map_changes.py)."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ownership.forms import ChangeFiltersForm
from ownership.map_changes import CSV_HEADER, CSV_MAX, Cursor, all_changes, changes_page, csv_rows
from ownership.permissions import VIEW_MAP
from ownership.sheets.files import CSV_TYPE, write_csv


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def changes(request: HttpRequest) -> HttpResponse:
    form = ChangeFiltersForm(request.GET)
    filters = form.filters()
    context = {"form": form, "filters": filters, "query": form.query(), "entries": []}
    if not form.errors:
        page = changes_page(filters, Cursor.parse(request.GET.get("before")))
        context |= {
            "entries": [item.entry for item in page.entries],
            "following": page.following,
            "later": "before" in request.GET,
        }
    return render(request, "ownership/changes.html", context, status=400 if form.errors else 200)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def changes_csv(request: HttpRequest) -> HttpResponse:
    form = ChangeFiltersForm(request.GET)
    if form.errors:
        context = {"form": form, "filters": form.filters(), "entries": [], "query": form.query()}
        return render(request, "ownership/changes.html", context, status=400)
    entries = all_changes(form.filters(), limit=CSV_MAX)
    response = HttpResponse(write_csv(CSV_HEADER, csv_rows(entries)), content_type=CSV_TYPE)
    name = f"changes-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
