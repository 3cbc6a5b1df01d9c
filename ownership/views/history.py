"""The site-wide list of recent changes."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ownership.history_in_words import recent_changes
from ownership.permissions import VIEW_MAP


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def changes(request: HttpRequest) -> HttpResponse:
    return render(request, "ownership/changes.html", {"entries": recent_changes(limit=100)})
