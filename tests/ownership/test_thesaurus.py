"""The thesaurus: built-in entries, the store's own, and the checks at the field."""

import pytest
from django.core.exceptions import ValidationError

from ownership.lookup import lookup, thesaurus
from ownership.lookup.thesaurus import phrase_key, read_built_in
from ownership.models import SearchExpansion, SearchSynonym
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_the_built_in_list_reads_and_every_entry_passes_its_own_checks():
    entries = read_built_in()
    assert len(entries) >= 300
    keys = [phrase_key(entry.words) for entry in entries]
    assert len(keys) == len(set(keys)), "two entries for the same words"
    for entry in entries:
        assert phrase_key(entry.words) not in [phrase_key(m) for m in entry.means], entry


def test_the_built_in_entries_are_in_the_database_after_migrate():
    assert SearchSynonym.objects.filter(built_in=True).count() == len(read_built_in())
    assert SearchExpansion.objects.filter(phrase="wismo").exists()


def test_an_entry_pointing_to_itself_is_refused_at_the_field():
    with pytest.raises(ValidationError) as refused:
        thesaurus.add_synonym(words="Parcels", means="parcel", two_way=False, by=None)
    assert refused.value.message_dict == {
        "means": ["“parcels” cannot mean itself: give other words."]
    }


def test_a_circle_of_one_way_entries_is_refused_at_the_field():
    thesaurus.add_synonym(words="zorb", means="quux", two_way=False, by=None)
    thesaurus.add_synonym(words="quux", means="flim", two_way=False, by=None)
    with pytest.raises(ValidationError) as refused:
        thesaurus.add_synonym(words="flim", means="zorb", two_way=False, by=None)
    assert list(refused.value.message_dict) == ["means"]
    assert "circle" in refused.value.message_dict["means"][0]
    assert not SearchSynonym.objects.filter(words="flim").exists()


def test_words_already_in_an_entry_are_refused_with_the_entry_named():
    with pytest.raises(ValidationError) as refused:
        thesaurus.add_synonym(words="WISMO", means="parcel status", two_way=False, by=None)
    assert refused.value.message_dict == {
        "words": ["There is already an entry for “wismo”: change that one."]
    }


def test_an_added_entry_finds_tasks_and_a_removed_one_stops():
    TaskFactory(name="Marketplace listing sync")
    assert lookup("zalando").answers == []
    entry = thesaurus.add_synonym(words="zalando", means="marketplace", two_way=False, by=None)
    assert [a.task.name for a in lookup("zalando").answers] == ["Marketplace listing sync"]
    thesaurus.remove_synonym(synonym=entry, by=None)
    assert lookup("zalando").answers == []
    assert [r.history_type for r in entry.history.order_by("history_id")] == ["+", "~"]


def test_a_removed_built_in_entry_stays_removed_when_the_list_is_synced_again():
    entry = SearchSynonym.objects.get(words="wismo")
    thesaurus.remove_synonym(synonym=entry, by=None)
    assert thesaurus.sync_built_in() == 0
    entry.refresh_from_db()
    assert entry.is_active is False
    assert not SearchExpansion.objects.filter(phrase="wismo").exists()


def test_the_search_words_page_is_for_ops_leads(client, member, ops_lead):
    client.force_login(member)
    assert client.get("/search-words/").status_code == 403
    client.force_login(ops_lead)
    response = client.get("/search-words/")
    assert response.status_code == 200
    assert "wismo" in response.content.decode()


def test_a_bad_entry_is_shown_at_its_field_and_nothing_is_saved(client, ops_lead):
    client.force_login(ops_lead)
    before = SearchSynonym.objects.count()
    response = client.post("/search-words/", {"words": "box", "means": "box", "two_way": ""})
    assert response.status_code == 400
    assert 'id="id_means_error"' in response.content.decode()
    assert "cannot mean itself" in response.content.decode()
    assert SearchSynonym.objects.count() == before


def test_an_ops_lead_adds_and_removes_search_words_in_the_browser(client, ops_lead):
    client.force_login(ops_lead)
    response = client.post("/search-words/", {"words": "ZX9", "means": "loyalty app"})
    assert response.status_code == 302
    entry = SearchSynonym.objects.get(words="zx9")
    assert (entry.meaning_list, entry.built_in, entry.history.get().history_user) == (
        ["loyalty app"],
        False,
        ops_lead,
    )
    assert client.post(f"/search-words/{entry.pk}/remove").status_code == 302
    entry.refresh_from_db()
    assert entry.is_active is False
    assert client.post(f"/search-words/{entry.pk}/restore").status_code == 302
    entry.refresh_from_db()
    assert entry.is_active is True
