"""A campaign's page: its run sheet, every task that falls due around it with who acts and
whether it is done (the campaign's own record and its editing: tasks_registry/views)."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ownership.permissions import VIEW_MAP
from ownership.run_sheet import run_sheet
from tasks_registry.models import Campaign


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    today = timezone.localdate()
    rows = run_sheet(campaign, today=today)
    context = {"campaign": campaign, "rows": rows, "today": today, "now": timezone.now()}
    return render(request, "ownership/campaign_detail.html", context)
