"""The three-way merge: what each person changed, from what the form was filled from."""

import pytest

from config.merging import THEIRS, YOURS, Clash, three_way

ORIGINAL = {"done": "old", "rhythm": "daily", "metric": ""}


def test_only_the_fields_you_changed_are_written():
    merged = three_way(ORIGINAL, {**ORIGINAL, "done": "mine"}, {**ORIGINAL, "rhythm": "weekly"})
    assert merged.changes == {"done": "mine"}
    assert merged.clashes == []


def test_the_same_change_on_both_sides_is_no_clash():
    merged = three_way(ORIGINAL, {**ORIGINAL, "done": "same"}, {**ORIGINAL, "done": "same"})
    assert (merged.changes, merged.clashes) == ({"done": "same"}, [])


def test_different_changes_to_one_field_clash():
    merged = three_way(ORIGINAL, {**ORIGINAL, "done": "mine"}, {**ORIGINAL, "done": "theirs"})
    assert merged.changes == {}
    assert merged.clashes == [Clash("done", "old", "theirs", "mine")]


@pytest.mark.parametrize(("choice", "changes"), [(YOURS, {"done": "mine"}), (THEIRS, {})])
def test_a_choice_settles_a_clash(choice, changes):
    merged = three_way(
        ORIGINAL, {**ORIGINAL, "done": "mine"}, {**ORIGINAL, "done": "theirs"}, {"done": choice}
    )
    assert (merged.changes, merged.clashes) == (changes, [])
