"""Campaigns: the list, and putting them on the calendar, editing and removing them (each one's
page, its run sheet, shows who acts: ownership/views/run_sheets.py)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.form_fields import add_errors
from config.merging import THEIRS, YOURS, Clash, ClashingEdit, StaleEdit, clash_rows
from config.rendering import HtmxRequest
from tasks_registry.campaigns import (
    create_campaign,
    delete_campaign,
    update_campaign_merging,
)
from tasks_registry.due import tasks_due_around
from tasks_registry.forms import CampaignForm
from tasks_registry.models import Campaign, CampaignKind
from tasks_registry.permissions import EDIT_CAMPAIGNS, VIEW_MAP


@require_GET
@permission_required(VIEW_MAP, raise_exception=True)
def campaign_list(request: HtmxRequest) -> HttpResponse:
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
    return render(request, "tasks_registry/campaign_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_CAMPAIGNS, raise_exception=True)
def campaign_create(request: HtmxRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = create_campaign(by=request.user, **form.changes())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"“{campaign.name}” is on the calendar.")
            return redirect(campaign)
    return render(request, "tasks_registry/campaign_form.html", {"form": form, "campaign": None})


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_CAMPAIGNS, raise_exception=True)
def campaign_edit(request: HtmxRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    form = CampaignForm(request.POST or None, initial=CampaignForm.initial_for(campaign))
    conflict = None
    clashes: list[dict] = []
    if request.method == "POST" and form.is_valid():
        # Whose value stays, for the fields both people changed (offered after a clash).
        keep = {
            name: choice
            for name in CampaignForm.FIELDS
            if (choice := request.POST.get(f"keep_{name}")) in (YOURS, THEIRS)
        }
        try:
            saved = update_campaign_merging(
                campaign=campaign,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                keep=keep,
                **form.changes(),
            )
        except ClashingEdit as error:
            # What they typed stays, and the version it was filled from: the next save merges
            # again, with the choices.
            conflict = campaign = error.record
            clashes = _clash_rows(error.clashes)
        except StaleEdit as error:
            # Their input stays; the form now carries the version they have seen, so a second
            # save replaces the other edit knowingly.
            conflict = error.record
            data = request.POST.copy()
            data["version"] = str(conflict.version)
            form = CampaignForm(data, initial=CampaignForm.initial_for(conflict))
            form.is_valid()
            campaign = conflict
        except ValidationError as error:
            add_errors(form, error)
        else:
            merged = saved.version > form.cleaned_data["version"] + 1
            messages.success(
                request,
                f"“{saved.name}” is saved"
                + (", merged with what was saved while you edited." if merged else "."),
            )
            return redirect(saved)
    context = {"form": form, "campaign": campaign, "conflict": conflict, "clashes": clashes}
    return render(
        request, "tasks_registry/campaign_form.html", context, status=409 if conflict else 200
    )


@require_POST
@permission_required(EDIT_CAMPAIGNS, raise_exception=True)
def campaign_delete(request: HtmxRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    try:
        delete_campaign(campaign=campaign, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(campaign)
    messages.success(request, f"“{campaign.name}” is removed; its tasks' due dates moved.")
    return redirect("tasks_registry:campaign_list")


def _clash_rows(clashes: list[Clash]) -> list[dict]:
    """clash_rows, with times and kinds in words."""
    rows = clash_rows(Campaign, clashes)
    kinds = dict(CampaignKind.choices)
    for row in rows:
        for side in ("original", "theirs", "yours"):
            value = row[side]
            if isinstance(value, datetime.datetime):
                row[side] = date_format(timezone.localtime(value), "D j M Y, H:i")
            elif row["field"] == "kind":
                row[side] = kinds.get(value, value)
    return rows
