"""Writes to campaigns. A campaign moves the due dates of every task whose rhythm counts from
campaigns, so each write recomputes theirs in the same transaction."""

import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify

from config.merging import StaleEdit, save_merging
from config.writes import apply_changes, insert_once, locked, stamp
from tasks_registry import due
from tasks_registry.models import Campaign

EDITABLE_FIELDS = ("name", "kind", "starts_at", "ends_at", "description")


def _unique_slug(name: str, starts_at: datetime.datetime, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:180] or "campaign"
    taken = set(
        Campaign.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    dated = f"{base}-{starts_at:%Y}"
    if dated not in taken:
        return dated
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _check(campaign: Campaign) -> None:
    if campaign.ends_at < campaign.starts_at:
        raise ValidationError({"ends_at": "A campaign cannot end before it starts."}, code="order")
    campaign.full_clean(exclude=["slug"], validate_constraints=False)
    same = Campaign.objects.filter(name__iexact=campaign.name, starts_at=campaign.starts_at)
    if same.exclude(pk=campaign.pk).exists():
        raise _already_on_the_calendar(campaign)


def _already_on_the_calendar(campaign: Campaign) -> ValidationError:
    when = date_format(timezone.localtime(campaign.starts_at), "D j M Y, H:i")
    return ValidationError(
        {"name": f"“{campaign.name}” starting {when} is already on the calendar."},
        code="duplicate",
    )


def create_campaign(
    *, name: str, kind: str, starts_at, ends_at, by: AbstractBaseUser | None, description=""
) -> Campaign:
    with transaction.atomic():
        campaign = Campaign(
            name=name.strip(),
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            description=description,
        )
        _check(campaign)
        campaign.slug = _unique_slug(campaign.name, starts_at)
        stamp(campaign, by=by)
        insert_once(campaign, taken=_already_on_the_calendar(campaign))
        due.refresh_next_due(due.campaign_tasks())
    return campaign


def update_campaign(
    *,
    campaign: Campaign,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    reason: str | None = None,
    **changes: Any,
) -> Campaign:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_campaign() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        current = locked(campaign)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(current, expected_version)
        if "name" in changes:
            changes["name"] = changes["name"].strip()
        changed = apply_changes(current, changes)
        if not changed:
            return current
        _check(current)
        current.version += 1
        stamp(current, by=by, reason=reason)
        current.save(update_fields=[*changed, "version", "updated_at"])
        if {"kind", "starts_at", "ends_at"} & set(changed):
            due.refresh_next_due(due.campaign_tasks())
    return current


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    found = dict(values)
    if "name" in found:
        found["name"] = found["name"].strip()
    return found


def update_campaign_merging(
    *,
    campaign: Campaign,
    by: AbstractBaseUser | None,
    expected_version: int,
    keep: dict[str, str] | None = None,
    **changes: Any,
) -> Campaign:
    """update_campaign for a form filled from `expected_version`: if someone saved the campaign
    since, only the fields this person changed are written; a field both changed differently
    raises ClashingEdit unless `keep` says whose value stays."""
    return save_merging(
        lambda record, version, reason, values: update_campaign(
            campaign=record, by=by, expected_version=version, reason=reason, **values
        ),
        record=campaign,
        expected_version=expected_version,
        changes=changes,
        keep=keep,
        comparable=_comparable,
    )


def delete_campaign(*, campaign: Campaign, by: AbstractBaseUser | None) -> None:
    """Remove a cancelled campaign; confirmations already made for its dates are kept."""
    try:
        with transaction.atomic():
            stamp(campaign, by=by)
            campaign.delete()
            due.refresh_next_due(due.campaign_tasks())
    except ProtectedError:  # its post-campaign review, say: that happened, and stays on record
        raise ValidationError(
            f"“{campaign.name}” has a review on record, so it stays: edit its dates instead.",
            code="protected",
        ) from None
