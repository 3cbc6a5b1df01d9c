"""Escalation policies and attestation periods, one per criticality: everyone sees them, ops
leads change them (ownership/policies.py checks and writes)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from config.form_fields import add_errors
from config.rendering import HtmxRequest, render_page
from ownership.forms import PolicyForm
from ownership.permissions import VIEW_MAP, may_edit_policies
from ownership.policies import all_rules, save_policy
from tasks_registry.models import Criticality

TEMPLATE = "ownership/policies.html"


def _cards(request: HtmxRequest, refused: dict | None = None) -> list[dict]:
    """Each criticality's policy, with its form for an ops lead: the refused one as it was
    sent, with its errors, or as someone else just saved it."""
    editable = may_edit_policies(request.user)
    refused = refused or {}
    cards = []
    for criticality, rules in all_rules().items():
        card: dict[str, Any] = {"rules": rules, "form": None, "refusal": ""}
        if editable:
            card["form"] = PolicyForm(initial=PolicyForm.initial_for(rules), prefix=criticality)
        if refused.get("criticality") == criticality:
            card |= {key: value for key, value in refused.items() if value}
        cards.append(card)
    return cards


@permission_required(VIEW_MAP, raise_exception=True)
def policies(request: HtmxRequest) -> HttpResponse:
    return render_page(request, TEMPLATE, {"cards": _cards(request)}, partial="cards")


@require_POST
@permission_required(VIEW_MAP, raise_exception=True)
def policy_save(request: HtmxRequest, criticality: str) -> HttpResponse:
    if not may_edit_policies(request.user):
        raise PermissionDenied("Only ops leads change escalation policies.")
    if criticality not in Criticality.values:
        raise Http404("No such criticality.")
    form = PolicyForm(request.POST, prefix=criticality)
    refused = {"criticality": criticality, "form": form}
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = save_policy(
                criticality=criticality,
                steps=data["steps"],
                attest_every_days=data["attest_every_days"],
                version=data["version"],
                by=request.user,
            )
        except ValidationError as error:
            if "version" in error.error_dict:
                # Someone saved it meanwhile: the card shows theirs, and says so.
                refused = {"criticality": criticality, "refusal": " ".join(error.messages)}
            else:
                add_errors(form, error)
        else:
            notice = f"The policy for {saved.criticality_label.lower()} tasks is saved."
            if not request.htmx:
                messages.success(request, notice)
                return redirect("ownership:policies")
            context = {"cards": _cards(request), "notices": {criticality: notice}}
            return render_page(request, TEMPLATE, context, partial="cards")
    context = {"cards": _cards(request, refused)}
    response = render_page(request, TEMPLATE, context, partial="cards")
    if not request.htmx:
        response.status_code = 400
    return response
