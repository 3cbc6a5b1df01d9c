"""The rhythm picker: a rhythm chosen from a few fields instead of typed, for any form that
sets one. It makes the same values the parser makes, so what it picks reads back as words. And
the campaign form."""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.form_fields import MultilineField, add_errors
from tasks_registry import due, rhythms
from tasks_registry.metrics import parse_value, record_task_value, record_value
from tasks_registry.models import (
    Campaign,
    CampaignKind,
    Direction,
    Metric,
    MetricValue,
    Task,
    Unit,
)
from tasks_registry.rhythms import (
    AdHoc,
    BusinessDay,
    CalendarRhythm,
    CampaignRhythm,
    DayOfMonth,
    LastDay,
    NthWeekday,
    Rhythm,
    RhythmError,
)
from tasks_registry.rhythms.kinds import MAX_CAMPAIGN_DAYS, MAX_INTERVAL, MONTHS, WEEKDAYS

MODES = [
    ("", "Not set yet"),
    ("calendar", "On the calendar"),
    ("campaign", "Around campaigns"),
    ("ad_hoc", "Ad hoc: no schedule"),
    ("text", "In words, or an RRULE"),
]
EVERY = [
    ("week", "Weekly"),
    ("day", "Daily"),
    ("business_day", "Every business day"),
    ("month", "Monthly"),
    ("quarter", "Quarterly"),
    ("year", "Yearly"),
]
MONTH_ON = [
    ("day", "on day…"),
    ("first_business", "on the first business day"),
    ("last_business", "on the last business day"),
    ("last_day", "on the last day"),
    ("weekday", "on the…"),
]
NTH = [("1", "first"), ("2", "second"), ("3", "third"), ("4", "fourth"), ("-1", "last")]
WEEKDAY_CHOICES = [(str(n), name.capitalize()) for n, name in enumerate(WEEKDAYS)]
MONTH_CHOICES = [(str(n), name.capitalize()) for n, name in enumerate(MONTHS, 1)]
KIND_CHOICES = [
    ("", "campaign (any kind)"),
    *[(value, str(label).lower()) for value, label in CampaignKind.choices],
]


class RhythmPickerForm(forms.Form):
    """The picker's fields, prefixed `rhythm_` so that they sit inside a task's form.

    `cleaned_data["rhythm"]` is the canonical text of what was picked ("" for not set).
    """

    rhythm_mode = forms.ChoiceField(
        label="Deadline rhythm", choices=MODES, required=False, widget=forms.RadioSelect
    )
    rhythm_every = forms.ChoiceField(label="Repeats", choices=EVERY, required=False)
    rhythm_interval = forms.IntegerField(
        label="every", min_value=1, max_value=MAX_INTERVAL, required=False, initial=1
    )
    rhythm_weekdays = forms.TypedMultipleChoiceField(
        label="on",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rhythm_month_on = forms.ChoiceField(label="which day", choices=MONTH_ON, required=False)
    rhythm_month_day = forms.IntegerField(
        label="day of the month", min_value=1, max_value=31, required=False, initial=1
    )
    rhythm_nth = forms.TypedChoiceField(label="the", choices=NTH, coerce=int, required=False)
    rhythm_nth_weekday = forms.TypedChoiceField(
        label="weekday", choices=WEEKDAY_CHOICES, coerce=int, required=False
    )
    rhythm_year_day = forms.IntegerField(
        label="on day", min_value=1, max_value=31, required=False, initial=1
    )
    rhythm_year_month = forms.TypedChoiceField(
        label="of", choices=MONTH_CHOICES, coerce=int, required=False
    )
    rhythm_start = forms.DateField(
        label="starting",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="Optional: the first day it may fall due.",
    )
    rhythm_days = forms.IntegerField(
        label="days", min_value=0, max_value=MAX_CAMPAIGN_DAYS, required=False, initial=1
    )
    rhythm_business = forms.TypedChoiceField(
        label="counting",
        choices=[("0", "days"), ("1", "business days")],
        coerce=lambda value: value == "1",
        required=False,
    )
    rhythm_direction = forms.ChoiceField(
        label="", choices=[("before", "before"), ("after", "after")], required=False
    )
    rhythm_kind = forms.ChoiceField(label="each", choices=KIND_CHOICES, required=False)
    rhythm_edge = forms.ChoiceField(
        label="", choices=[("start", "starts"), ("end", "ends")], required=False
    )
    rhythm_text = forms.CharField(
        label="Rhythm in words",
        max_length=rhythms.english.MAX_LENGTH,
        required=False,
        help_text="e.g. “monthly on the last business day” or “1 day after each sale ends”.",
    )

    PICKER_FIELDS = (
        "rhythm_mode",
        "rhythm_every",
        "rhythm_interval",
        "rhythm_weekdays",
        "rhythm_month_on",
        "rhythm_month_day",
        "rhythm_nth",
        "rhythm_nth_weekday",
        "rhythm_year_day",
        "rhythm_year_month",
        "rhythm_start",
        "rhythm_days",
        "rhythm_business",
        "rhythm_direction",
        "rhythm_kind",
        "rhythm_edge",
        "rhythm_text",
    )

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in self.PICKER_FIELDS):
            return cleaned
        try:
            cleaned["rhythm"] = rhythms.text(picked(cleaned))
        except RhythmError as error:
            self.add_error(
                "rhythm_text" if cleaned.get("rhythm_mode") == "text" else None, str(error)
            )
        return cleaned

    def picker_errors(self) -> list[tuple[str, list[str]]]:
        """Errors of the picker's fields but the typed text (shown at its input)."""
        return [
            (str(self.fields[name].label or name), self.errors[name])
            for name in self.PICKER_FIELDS
            if name in self.errors and name != "rhythm_text"
        ]

    def preview(self, today) -> dict:
        """What the picker says as the form stands, for its preview: in words, and the next
        days it falls due (or why it says nothing)."""
        if self.is_bound:
            picker = RhythmPickerForm(self.data)
        else:
            picker = RhythmPickerForm(
                {name: value for name, value in self.initial.items() if name.startswith("rhythm_")}
            )
        if not picker.is_valid():
            errors = (str(m) for messages in picker.errors.values() for m in messages)
            return {"preview_error": " ".join(errors)}
        rhythm = rhythms.stored(picker.cleaned_data["rhythm"])
        return {
            "preview_words": picker.cleaned_data["rhythm"],
            "preview_kind": getattr(rhythm, "kind", ""),
            "preview_days": due.upcoming_days(rhythm, after=today),
        }

    @staticmethod
    def initial_for(saved: str) -> dict:
        """The picker's fields showing a saved rhythm."""
        return picker_values(rhythms.stored(saved), saved)


def picked(values: dict) -> Rhythm | None:
    """The rhythm the picker's cleaned values say; RhythmError if they say none."""
    mode = values.get("rhythm_mode") or ""
    if mode == "":
        return None
    if mode == "ad_hoc":
        return AdHoc()
    if mode == "text":
        rhythm = rhythms.parse(values.get("rhythm_text") or "")
        if rhythm is None:
            raise RhythmError("Type the rhythm, or pick “Not set yet”.")
        return rhythm
    if mode == "campaign":
        return CampaignRhythm(
            days=_given(values, "rhythm_days", "how many days"),
            business=bool(values.get("rhythm_business")),
            before=values.get("rhythm_direction", "before") != "after",
            edge="end" if values.get("rhythm_edge") == "end" else "start",
            campaign_kind=values.get("rhythm_kind") or None,
        )
    every = values.get("rhythm_every") or "week"
    start = values.get("rhythm_start")
    interval = values.get("rhythm_interval") or 1
    if every == "business_day":
        return CalendarRhythm("business_day", start=start)
    if every == "day":
        return CalendarRhythm("day", interval=interval, start=start)
    if every == "week":
        weekdays = tuple(sorted(set(values.get("rhythm_weekdays") or ())))
        return CalendarRhythm("week", interval=interval, weekdays=weekdays, start=start)
    if every in ("month", "quarter"):
        on = _day_in_month(values)
        if every == "quarter":
            return CalendarRhythm("quarter", on=on, start=start)
        return CalendarRhythm("month", interval=interval, on=on, start=start)
    return CalendarRhythm(
        "year",
        interval=interval,
        month=_given(values, "rhythm_year_month", "the month"),
        day=_given(values, "rhythm_year_day", "the day"),
        start=start,
    )


def picker_values(rhythm: Rhythm | None, saved: str = "") -> dict:
    """The picker's values for a rhythm: the inverse of `picked`."""
    match rhythm:
        case None if saved.strip():
            return {"rhythm_mode": "text", "rhythm_text": saved}
        case None:
            return {"rhythm_mode": ""}
        case AdHoc():
            return {"rhythm_mode": "ad_hoc"}
        case CampaignRhythm():
            return {
                "rhythm_mode": "campaign",
                "rhythm_days": rhythm.days,
                "rhythm_business": "1" if rhythm.business else "0",
                "rhythm_direction": "before" if rhythm.before else "after",
                "rhythm_edge": rhythm.edge,
                "rhythm_kind": rhythm.campaign_kind or "",
            }
        case CalendarRhythm(rule_text=str()):
            return {"rhythm_mode": "text", "rhythm_text": rhythms.text(rhythm)}
    values: dict = {
        "rhythm_mode": "calendar",
        "rhythm_every": rhythm.every,
        "rhythm_interval": rhythm.interval,
        "rhythm_start": rhythm.start,
        "rhythm_weekdays": [str(day) for day in rhythm.weekdays],
    }
    match rhythm.on:
        case DayOfMonth(day=day):
            values |= {"rhythm_month_on": "day", "rhythm_month_day": day}
        case LastDay():
            values["rhythm_month_on"] = "last_day"
        case BusinessDay(which=which):
            values["rhythm_month_on"] = "first_business" if which == 1 else "last_business"
        case NthWeekday(nth=nth, weekday=weekday):
            values |= {
                "rhythm_month_on": "weekday",
                "rhythm_nth": str(nth),
                "rhythm_nth_weekday": str(weekday),
            }
    if rhythm.every == "year":
        values |= {"rhythm_year_month": str(rhythm.month), "rhythm_year_day": rhythm.day}
    return values


def _given(values: dict, name: str, what: str) -> int:
    value = values.get(name)
    if value is None or value == "":
        raise RhythmError(f"Say {what}.")
    return value


def _day_in_month(values: dict):
    match values.get("rhythm_month_on") or "day":
        case "first_business":
            return BusinessDay(1)
        case "last_business":
            return BusinessDay(-1)
        case "last_day":
            return LastDay()
        case "weekday":
            nth = values.get("rhythm_nth")
            weekday = values.get("rhythm_nth_weekday")
            if nth in (None, "") or weekday in (None, ""):
                raise RhythmError("Say which weekday of the month, e.g. the second Tuesday.")
            return NthWeekday(nth, weekday)
    return DayOfMonth(_given(values, "rhythm_month_day", "the day of the month"))


DATETIME_INPUT = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=CampaignKind.choices)
    starts_at = forms.DateTimeField(label="Starts", widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label="Ends", widget=DATETIME_INPUT)
    description = MultilineField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    FIELDS = ("name", "kind", "starts_at", "ends_at", "description")

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", "A campaign cannot end before it starts.")
        return cleaned

    @classmethod
    def initial_for(cls, campaign: Campaign) -> dict:
        initial = {name: getattr(campaign, name) for name in cls.FIELDS}
        initial["version"] = campaign.version
        return initial

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class MetricValueField(forms.CharField):
    """A value of a metric, as typed ("98.5", "98,5 %"): refused at the field if it is not a
    number, or out of range for the metric's unit (a negative time, a percentage over 100)."""

    def __init__(self, *, metric: Metric, **kwargs) -> None:
        self.unit = Unit(metric.unit)
        kwargs.setdefault("label", f"{metric.name} ({self.unit.label})")
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "maxlength": self.MAX_LENGTH}
        )

    MAX_LENGTH = 40

    def to_python(self, value) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > self.MAX_LENGTH:
            raise ValidationError("Enter a number, like 98.5.", code="not_a_number")
        return parse_value(self.unit, text)


class MetricValueForm(forms.Form):
    """A value of a metric for a day: today unless said."""

    on = forms.DateField(
        label="For the day",
        required=False,
        help_text="Empty for today.",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args, metric: Metric, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.metric = metric
        self.fields["value"] = MetricValueField(metric=metric, label="Value")
        self.fields["value"].help_text = f"In {Unit(metric.unit).label}; {metric.target_words}."
        self.order_fields(["value", "on"])

    def clean_on(self) -> datetime.date:
        on = self.cleaned_data.get("on") or timezone.localdate()
        if on > timezone.localdate():
            raise ValidationError("A value is recorded for a day that has come.")
        return on

    def record(self, *, by: Any, via: str, task: Task | None = None) -> MetricValue | None:
        """The value recorded (for `task`, if given), or None with the reason at its field."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            if task is not None:
                return record_task_value(
                    task=task, value=data["value"], on=data["on"], by=by, via=via
                )
            return record_value(
                metric=self.metric, value=data["value"], on=data["on"], by=by, via=via
            )
        except ValidationError as error:
            add_errors(self, error)
            return None


class MetricForm(forms.Form):
    """A metric: its name, unit, which way is better and its target (in the unit)."""

    name = forms.CharField(max_length=100)
    unit = forms.ChoiceField(choices=Unit.choices)
    direction = forms.ChoiceField(label="Which way is better", choices=Direction.choices)
    target = forms.CharField(
        required=False,
        max_length=40,
        help_text="In the unit above. Without a target, no value is ever off target.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    description = MultilineField(
        required=False,
        max_length=2000,
        help_text="How it is counted, so every owner records the same number.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    FIELDS = ("name", "unit", "direction", "target", "description")

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        typed = (self.data.get("target") or "").strip()
        unit = cleaned.get("unit")
        if typed and unit:
            try:
                cleaned["target"] = parse_value(Unit(unit), typed)
            except ValidationError as error:
                self.add_error("target", error)
        elif not typed:
            cleaned["target"] = None
        return cleaned

    @classmethod
    def initial_for(cls, metric: Metric) -> dict:
        initial = {name: getattr(metric, name) for name in cls.FIELDS}
        initial["target"] = "" if metric.target is None else f"{metric.target.normalize():f}"
        initial["version"] = metric.version
        return initial

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class ValuesImportForm(forms.Form):
    """A sheet of values: a CSV file with the columns date, metric and value."""

    file = forms.FileField(
        label="CSV file",
        help_text="Columns date (2026-11-30), metric (its name) and value; a header row first.",
    )

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise ValidationError("The file is over 2 MB: split it, or keep only the values.")
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return text
        raise ValidationError("This file is not text: save the sheet as CSV and try again.")
