"""A moment typed on the command line (--now, --since), read as ISO 8601 in local time unless
it says otherwise."""

import datetime

from django.core.management.base import CommandError
from django.utils import timezone


def moment_arg(text: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{text!r} is not an ISO date and time, e.g. 2026-10-01T09:00 or 2026-10-01."
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
