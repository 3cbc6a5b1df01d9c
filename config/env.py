"""Typed readers for environment variables that fail loudly on a bad value.

A misspelt boolean or a non-number must stop the process at start-up with a message naming the
variable, not fall back silently to a default that makes production behave like development.
"""

import datetime
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of {sorted(_TRUE | _FALSE)}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_timezone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not an IANA time zone (e.g. Europe/London)."
        ) from None
    return value


def env_holidays(name: str) -> list[str]:
    """Comma-separated holidays: ISO dates (2026-04-03) for one year, month-days (12-25) for
    every year."""
    holidays = []
    for item in env_list(name, []):
        try:
            if item.count("-") == 2:
                datetime.date.fromisoformat(item)
            else:
                month, day = (int(part) for part in item.split("-"))
                datetime.date(2024, month, day)  # a leap year: 02-29 is a real holiday date
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not a date (2026-04-03) or a yearly month-day (12-25)."
            ) from None
        holidays.append(item)
    return holidays


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def env_weekday(name: str, default: str) -> int:
    """A weekday by name (tuesday), as Python numbers them: Monday is 0."""
    value = env_str(name, default).lower()
    if value not in WEEKDAYS:
        raise ImproperlyConfigured(f"{name}={value!r} is not a weekday: use one of {WEEKDAYS}.")
    return WEEKDAYS.index(value)


def env_public_holidays(country_name: str, subdivision_name: str) -> tuple[str, str]:
    """A country (ISO 3166-1, e.g. GB) and optional subdivision (e.g. ENG) whose public holidays
    the `holidays` package knows; ("", "") when the country is unset."""
    import holidays

    country = env_str(country_name).strip().upper()
    subdivision = env_str(subdivision_name).strip().upper()
    if not country:
        if subdivision:
            raise ImproperlyConfigured(f"{subdivision_name} needs {country_name} set too.")
        return "", ""
    known = holidays.list_supported_countries()
    if country not in known:
        raise ImproperlyConfigured(
            f"{country_name}={country!r} is not a country the holidays package knows: use a "
            "two-letter ISO code such as GB, US, DE, FR or NL."
        )
    if subdivision and subdivision not in known[country]:
        some = ", ".join(known[country][:8])
        raise ImproperlyConfigured(
            f"{subdivision_name}={subdivision!r} is not a subdivision of {country}: "
            f"one of {some}{'…' if len(known[country]) > 8 else ''}."
        )
    return country, subdivision
