"""Ranking that knows which words matter, on whichever database the suite runs."""

import pytest

from ownership.lookup import lookup
from ownership.lookup.index import ALL_TASKS
from ownership.models import SearchTerm
from tasks_registry.changes import update_task
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def names(query, limit=8):
    return [answer.task.name for answer in lookup(query, limit=limit).answers]


def test_a_rare_word_outweighs_a_common_one():
    for n in range(6):
        TaskFactory(name=f"Customer order step {n}")
    TaskFactory(name="Customer invoice copies")
    TaskFactory(name="Product page copy alignment")
    # "customer" is in seven names, "invoice" in one: the rare word decides.
    assert names("customer wants an invoice copy")[0] == "Customer invoice copies"


def test_the_definition_of_done_is_searched():
    TaskFactory(name="Returns notices", definition_of_done="Every return has a label emailed")
    TaskFactory(name="Carrier review")
    assert names("label emailed") == ["Returns notices"]


def test_words_together_as_typed_rank_first():
    TaskFactory(name="Size guides and fit notes")
    TaskFactory(name="Guide to sizes of boxes", description="size")
    assert names("size guide")[0] == "Size guides and fit notes"
    (first,) = lookup("size guide", limit=1).answers
    assert "together" in [m.how for m in first.matched]


def test_a_whole_word_beats_a_longer_word_it_starts():
    TaskFactory(name="Product copywriting")
    TaskFactory(name="Invoice copy requests")
    assert names("copy")[0] == "Invoice copy requests"


def test_only_the_last_word_is_completed():
    TaskFactory(name="Promo code setup")
    # "prom" is being typed: completed. "prom code": "prom" is finished, and no word of the
    # map is "prom", so only "code" finds the task, with less of a score.
    assert names("prom") == ["Promo code setup"]
    (typed,) = lookup("code prom").answers
    (finished,) = lookup("prom code").answers
    assert [m.how for m in typed.matched] == ["word", "prefix"]
    assert [m.word for m in finished.matched] == ["code"]


def test_a_synonym_counts_for_less_than_the_word_typed():
    TaskFactory(name="Abandoned basket emails")
    TaskFactory(name="Abandoned cart emails")
    assert names("cart") == ["Abandoned cart emails", "Abandoned basket emails"]
    answers = lookup("cart").answers
    assert [m.how for m in answers[1].matched] == ["synonym"]
    assert str(answers[1].matched[0]) == "cart (synonym) → Abandoned basket emails (name)"


def test_a_phrase_is_known_with_little_words_between():
    TaskFactory(name="Returns portal")
    # "send back" is in the thesaurus; "send this back" is how people type it.
    (answer,) = lookup("how do I send this back").answers
    assert answer.task.name == "Returns portal"
    assert [(m.word, m.how) for m in answer.matched] == [("send back", "synonym")]


def test_who_is_asking_is_not_what_it_is_about():
    TaskFactory(name="Customer service macros")
    TaskFactory(name="Price match requests")
    assert names("customer found it cheaper elsewhere") == ["Price match requests"]
    assert names("customer service") == ["Customer service macros"]
    assert names("customer wants") == []


def test_a_symptom_leads_to_the_ops_words():
    TaskFactory(name="Order tracking updates")
    TaskFactory(name="Order accuracy audit")
    assert names("wismo")[0] == "Order tracking updates"


def test_document_frequencies_follow_the_map():
    first = TaskFactory(name="Refund letters")
    TaskFactory(name="Refund processing")
    assert SearchTerm.objects.get(term="refund").tasks == 2
    assert SearchTerm.objects.get(term=ALL_TASKS).tasks == 2
    update_task(task=first, by=None, is_active=False)
    assert SearchTerm.objects.get(term="refund").tasks == 1
    assert SearchTerm.objects.get(term=ALL_TASKS).tasks == 1


def test_each_answer_says_why_it_matched():
    TaskFactory(
        name="Refund turnaround",
        aliases="money back",
        definition_of_done="Refunds reach the card within 3 days",
    )
    (answer,) = lookup("refund card").answers
    assert [str(match) for match in answer.matched] == [
        "refund → Refund turnaround (name)",
        "card → Refunds reach the card within 3 days (definition of done)",
    ]
    assert answer.matched_terms == {"refund", "card"}


@pytest.mark.parametrize("query", ["the and of is", "?!*&^%$#@", "   ---   ", "« » … ¿"])
def test_a_query_of_stop_words_or_symbols_is_empty(query):
    TaskFactory(name="Inventory sync")
    result = lookup(query)
    assert (result.is_empty_query, result.answers) == (True, [])


def test_why_it_matched_reads_in_as_few_words_as_say_it():
    TaskFactory(name="Refund processing", aliases="refund letter\nmoney back")
    (answer,) = lookup("refund letter").answers
    # Three matches (two words and the pair) read as two places.
    assert [m.how for m in answer.matched] == ["word", "word", "together"]
    assert answer.why == ["refund → Refund processing (name)", "letter → refund letter (alias)"]


def test_a_pasted_identifier_is_not_recorded_as_a_question(member_client):
    TaskFactory(name="Checkout flow testing")
    member_client.get("/search/", {"q": "https://shop.example/checkout/x"})
    member_client.get("/search/", {"q": "refund letter"})
    from ownership.models import AskedQuestion

    assert list(AskedQuestion.objects.values_list("words", flat=True)) == ["refund letter"]


def test_reindex_search_rebuilds_the_index_and_the_search_words(capsys):
    from django.core.management import call_command

    from ownership.models import SearchExpansion, SearchPosting

    TaskFactory(name="Abandoned basket emails")
    SearchPosting.objects.all().delete()
    SearchExpansion.objects.all().delete()
    assert names("cart") == []
    call_command("reindex_search")
    assert names("cart") == ["Abandoned basket emails"]
    assert (
        "Reindexed 1 tasks and the search words, and rebuilt the gap facts."
        in capsys.readouterr().out
    )
