"""The steps the write functions share (config/writes.py)."""

import pytest

from config.writes import apply_changes, locked, stamp
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_only_what_differs_is_applied_and_named_in_order():
    person = PersonFactory(name="Ada", title="Buyer", chat_handle="@ada")
    changed = apply_changes(person, {"title": "Head buyer", "name": "Ada", "chat_handle": ""})
    assert changed == ["title", "chat_handle"]
    assert (person.name, person.title, person.chat_handle) == ("Ada", "Head buyer", "")


def test_locked_reads_the_row_as_saved_not_as_held():
    person = PersonFactory(name="Ada")
    person.name = "typed, not saved"
    assert locked(person).name == "Ada"


def test_the_history_row_says_who_and_why():
    person = PersonFactory(name="Ada")
    dana = UserFactory(username="dana")
    person.title = "Lead"
    stamp(person, by=dana, reason="promoted")
    person.save()
    record = person.history.latest()
    assert (record.history_user, record.history_change_reason) == (dana, "promoted")
