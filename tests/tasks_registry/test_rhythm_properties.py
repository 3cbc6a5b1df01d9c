"""Properties: every rhythm the picker can make round-trips through text, and any string either
parses or gets a clear error — never another exception."""

import datetime
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from tasks_registry import rhythms
from tasks_registry.forms import RhythmPickerForm, picked, picker_values
from tasks_registry.models import CampaignKind
from tasks_registry.rhythms import RhythmError
from tests.hypothesis_profiles import examples

dates = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31))
starts = st.none() | dates

calendar_values = st.fixed_dictionaries(
    {
        "rhythm_mode": st.just("calendar"),
        "rhythm_every": st.sampled_from(
            ["day", "business_day", "week", "month", "quarter", "year"]
        ),
        "rhythm_interval": st.integers(1, 52),
        "rhythm_weekdays": st.lists(st.integers(0, 6), min_size=1, max_size=7),
        "rhythm_month_on": st.sampled_from(
            ["day", "first_business", "last_business", "last_day", "weekday"]
        ),
        "rhythm_month_day": st.integers(1, 31),
        "rhythm_nth": st.sampled_from([1, 2, 3, 4, -1]),
        "rhythm_nth_weekday": st.integers(0, 6),
        "rhythm_year_month": st.integers(1, 12),
        "rhythm_year_day": st.integers(1, 28),
        "rhythm_start": starts,
    }
)
campaign_values = st.fixed_dictionaries(
    {
        "rhythm_mode": st.just("campaign"),
        "rhythm_days": st.integers(0, 90),
        "rhythm_business": st.booleans(),
        "rhythm_direction": st.sampled_from(["before", "after"]),
        "rhythm_edge": st.sampled_from(["start", "end"]),
        "rhythm_kind": st.sampled_from(["", *CampaignKind.values]),
    }
)
other_values = st.sampled_from([{"rhythm_mode": "ad_hoc"}, {"rhythm_mode": ""}])
picker = calendar_values | campaign_values | other_values


@settings(max_examples=examples(400), deadline=None)
@given(picker)
def test_every_rhythm_the_picker_makes_round_trips_through_its_words(values):
    rhythm = picked(values)
    words = rhythms.text(rhythm)
    assert rhythms.parse(words) == rhythm
    assert rhythms.text(rhythms.parse(words)) == words
    # and the picker shows it again as it was picked
    assert picked(_cleaned(picker_values(rhythm, words))) == rhythm


@settings(max_examples=examples(200), deadline=None)
@given(picker)
def test_the_picker_form_gives_the_canonical_words_of_what_was_picked(values):
    data = {key: _posted(value) for key, value in values.items() if value is not None}
    form = RhythmPickerForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["rhythm"] == rhythms.text(picked(values))


words = st.sampled_from(
    "weekly monthly quarterly yearly daily every each on the of from before after day days "
    "business working week weeks month months year monday friday sunday last first second "
    "campaign sale sales product drop ends starts 1 2 15 31 29 february november 2026 rrule: "
    "freq=weekly byday=mo ; , and ad hoc".split()
)
phrases = st.lists(words, max_size=8).map(" ".join)


@settings(max_examples=examples(1500), deadline=None)
@given(st.text(max_size=320) | phrases | st.text(alphabet=string.printable, max_size=60))
def test_any_string_either_parses_or_gets_a_clear_error(typed):
    try:
        rhythm = rhythms.parse(typed)
    except RhythmError as error:
        message = str(error)
        assert 0 < len(message) < 600
        assert "\x00" not in message
    else:
        # whatever it read, it can write and read again
        assert rhythms.parse(rhythms.text(rhythm)) == rhythm


def _posted(value):
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _cleaned(values: dict) -> dict:
    """The values as the form would clean them: numbers as numbers."""
    form = RhythmPickerForm({key: _posted(v) for key, v in values.items() if v is not None})
    assert form.is_valid(), form.errors
    return form.cleaned_data
