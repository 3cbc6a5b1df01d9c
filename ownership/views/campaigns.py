"""Campaigns: the list, each one's run sheet, and creating, editing and removing them."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ownership.forms import CampaignForm, add_errors
from ownership.permissions import VIEW_MAP
from ownership.run_sheet import run_sheet, tasks_due_around
from tasks_registry.campaigns import (
    StaleCampaignError,
    create_campaign,
    delete_campaign,
    update_campaign,
)
from tasks_registry.models import Campaign

EDIT_CAMPAIGNS = "tasks_registry.change_campaign"


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    campaigns = list(Campaign.objects.all())
    coming = sorted((c for c in campaigns if c.ends_at >= now), key=lambda c: c.starts_at)
    past = [c for c in campaigns if c.ends_at < now]  # newest first, by Meta.ordering
    context = {
        "coming": coming,
        "past": past,
        "now": now,
        "due_around": tasks_due_around(campaigns),
    }
    return render(request, "ownership/campaign_list.html", context)


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    today = timezone.localdate()
    rows = run_sheet(campaign, today=today)
    context = {"campaign": campaign, "rows": rows, "today": today, "now": timezone.now()}
    return render(request, "ownership/campaign_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_CAMPAIGNS, raise_exception=True)
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = create_campaign(by=request.user, **form.changes())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{campaign.name}” is on the calendar.")
            return redirect(campaign)
    return render(request, "ownership/campaign_form.html", {"form": form, "campaign": None})


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_CAMPAIGNS, raise_exception=True)
def campaign_edit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    form = CampaignForm(request.POST or None, initial=CampaignForm.initial_for(campaign))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = update_campaign(
                campaign=campaign,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.changes(),
            )
        except StaleCampaignError as error:
            # Their input stays; the form now carries the version they have seen, so a second
            # save replaces the other edit knowingly.
            conflict = error.campaign
            data = request.POST.copy()
            data["version"] = conflict.version
            form = CampaignForm(data, initial=CampaignForm.initial_for(conflict))
            form.is_valid()
            campaign = conflict
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{saved.name}” is saved.")
            return redirect(saved)
    context = {"form": form, "campaign": campaign, "conflict": conflict}
    return render(request, "ownership/campaign_form.html", context, status=409 if conflict else 200)


@require_POST
@permission_required(EDIT_CAMPAIGNS, raise_exception=True)
def campaign_delete(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    try:
        delete_campaign(campaign=campaign, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(campaign)
    messages.success(request, f"“{campaign.name}” is removed; its tasks' due dates moved.")
    return redirect("ownership:campaign_list")
