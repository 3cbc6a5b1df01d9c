"""The lookup's rules, on whichever database the suite runs (SQLite or PostgreSQL)."""

import datetime

import pytest
from django.contrib.auth.models import Group

from ownership.acting import ActingReason
from ownership.assignments import assign, assign_backup, assign_owner, unassign
from ownership.derived import derived_paused
from ownership.lookup import answer_data, lookup
from ownership.lookup.index import reindex_tasks
from ownership.lookup.words import stem
from ownership.models import Role
from tasks_registry.changes import update_task
from tasks_registry.models import Stage
from tests.factories import PersonFactory, TaskFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)


def names(result):
    return [answer.task.name for answer in result.answers]


def test_a_misspelt_query_still_finds_the_task():
    TaskFactory(name="Holiday shipping cutoff sign-off", description="Carrier cut-off dates.")
    TaskFactory(name="Returns notices")
    assert names(lookup("shiping cutof"))[0] == "Holiday shipping cutoff sign-off"
    assert names(lookup("refnds"))[:1] == []  # nothing near it in this map
    assert names(lookup("retrns notices")) == ["Returns notices"]


def test_word_order_plurals_and_partial_words_match():
    TaskFactory(name="Promo code setup and QA", aliases="discount code doesn't work")
    for query in ["code promo", "promo codes", "discount cod", "DISCOUNT", "prom"]:
        assert names(lookup(query)) == ["Promo code setup and QA"], query


def test_an_alias_match_outranks_a_description_match():
    TaskFactory(name="Refund processing", aliases="money back\nrefund letter")
    TaskFactory(name="Payment letters", description="Letters about money back guarantees")
    assert names(lookup("money back")) == ["Refund processing", "Payment letters"]


def test_a_name_match_outranks_a_description_match():
    TaskFactory(name="Inventory audit", description="Count the stock")
    TaskFactory(name="Stock sync", description="Keep inventory counts right")
    assert names(lookup("stock")) == ["Stock sync", "Inventory audit"]


def test_matching_more_of_the_words_ranks_higher():
    TaskFactory(name="Holiday shipping cutoff sign-off")
    TaskFactory(name="Shipping promise consistency")
    assert names(lookup("holiday shipping")) == [
        "Holiday shipping cutoff sign-off",
        "Shipping promise consistency",
    ]


def test_critical_tasks_break_ties():
    TaskFactory(name="Refund letters", criticality="normal")
    TaskFactory(name="Refund processing", criticality="critical")
    TaskFactory(name="Refund reports", criticality="high")
    assert names(lookup("refund")) == ["Refund processing", "Refund reports", "Refund letters"]


def test_people_team_and_system_names_are_searchable():
    team = TeamFactory(name="Warehouse")
    task = TaskFactory(name="Inventory sync", systems="WMS\nERP")
    assign_owner(task=task, person=PersonFactory(name="Mark Jensen", team=team), by=None)
    TaskFactory(name="Returns notices")
    for query in ["mark jensen", "warehouse", "wms"]:
        assert names(lookup(query)) == ["Inventory sync"], query


def test_the_index_follows_renames_new_aliases_and_retirement():
    task = TaskFactory(name="Lantern QA")
    update_task(task=task, by=None, name="Discount code QA", aliases="voucher broken")
    assert names(lookup("voucher")) == ["Discount code QA"]
    assert names(lookup("lantern")) == []
    update_task(task=task, by=None, is_active=False)
    assert names(lookup("voucher")) == []


def test_the_index_follows_people_and_team_changes():
    team = TeamFactory(name="Fulfilment")
    person = PersonFactory(name="Ana Silva", team=team)
    task = TaskFactory(name="Order accuracy audit")
    contribution = assign(task=task, person=person, role=Role.CONTRIBUTOR, by=None)
    person.name = "Ana Costa"
    person.save()
    assert names(lookup("costa")) == ["Order accuracy audit"]
    team.name = "Logistics"
    team.save()
    assert names(lookup("logistics")) == ["Order accuracy audit"]
    unassign(assignment=contribution, by=None)
    assert names(lookup("costa")) == []


def test_a_bulk_write_with_the_index_paused_is_found_once_it_reindexes():
    with derived_paused():
        task = TaskFactory(name="Lantern QA")
        update_task(task=task, by=None, aliases="voucher broken")
        assert names(lookup("voucher")) == []  # nothing indexed at each save
    reindex_tasks([task.pk])
    assert names(lookup("voucher")) == ["Lantern QA"]
    update_task(task=task, by=None, aliases="gift card")  # saves index again after it
    assert names(lookup("gift card")) == ["Lantern QA"]


def test_a_reindex_of_many_tasks_goes_batch_by_batch_to_the_same_index(monkeypatch):
    """Batches keep a bulk load's ids under PostgreSQL's parameter limit and its postings out
    of memory; the index they leave is the one a single pass leaves."""
    from ownership.lookup import index
    from ownership.models import SearchPosting, SearchTerm, SearchWord

    with derived_paused():
        tasks = [TaskFactory(name=f"Lantern check {n}", aliases="voucher") for n in range(5)]
        TaskFactory(name="Refund letter", aliases="voucher")
    everything = [task.pk for task in tasks]

    def state():
        return (
            sorted(SearchPosting.objects.values_list("word", "task_id", "weight", "field")),
            sorted(SearchTerm.objects.values_list("term", "tasks")),
            sorted(SearchWord.objects.values_list("word", flat=True)),
        )

    reindex_tasks(everything)
    whole = state()
    SearchPosting.objects.all().delete()
    SearchTerm.objects.all().delete()
    monkeypatch.setattr(index, "REINDEX_BATCH", 2)
    reindex_tasks(everything)
    assert state() == whole
    assert dict(whole[1])["voucher"] == 5  # the sixth task was never indexed
    assert names(lookup("lantern check")) == [f"Lantern check {n}" for n in range(5)]


def test_the_answer_names_the_owner_backup_and_their_contacts():
    task = TaskFactory(name="Inventory sync", rhythm="daily", definition_of_done="Stock matches")
    assign_owner(
        task=task,
        person=PersonFactory(name="Mark", email="mark@x.io", chat_handle="@mark"),
        by=None,
    )
    assign_backup(task=task, person=PersonFactory(name="Kofi"), by=None)
    (answer,) = lookup("inventory", on=TODAY).answers
    assert (answer.acting.person.name, answer.acting.reason) == ("Mark", ActingReason.OWNER)
    assert (answer.acting.person.email, answer.acting.person.chat_handle) == ("mark@x.io", "@mark")
    assert answer.backup.name == "Kofi"
    assert (answer.task.rhythm, answer.task.definition_of_done) == ("daily", "Stock matches")


def test_while_the_owner_is_away_the_backup_acts():
    task = TaskFactory(name="Holiday shipping cutoff sign-off")
    assign_owner(task=task, person=PersonFactory(name="Nina", away_until=TODAY), by=None)
    assign_backup(task=task, person=PersonFactory(name="Chris"), by=None)
    (answer,) = lookup("holiday cutoff", on=TODAY).answers
    assert (answer.acting.person.name, answer.acting.reason) == ("Chris", ActingReason.OWNER_AWAY)
    assert answer.owner.name == "Nina"


def test_when_the_owner_has_left_the_backup_acts():
    task = TaskFactory(name="ERP order integration")
    assign_owner(task=task, person=PersonFactory(name="Marcus"), by=None)
    assign_backup(task=task, person=PersonFactory(name="Olga"), by=None)
    task.assignments.get(role=Role.OWNER).person.__class__.objects.filter(name="Marcus").update(
        departed_on=TODAY - datetime.timedelta(days=3)
    )
    (answer,) = lookup("erp", on=TODAY).answers
    assert (answer.acting.person.name, answer.acting.reason) == (
        "Olga",
        ActingReason.OWNER_DEPARTED,
    )


def test_nobody_owns_it_then_ask_the_escalation_then_the_working_teams_lead():
    marketing_lead = PersonFactory(name="Sam Lead")
    marketing = TeamFactory(name="Marketing", lead=marketing_lead)
    ops_lead_person = PersonFactory(name="Dana Lead")
    operations = TeamFactory(name="Operations", lead=ops_lead_person)
    task = TaskFactory(name="Promo code setup and QA")
    assign(task=task, person=PersonFactory(team=marketing), role=Role.CONTRIBUTOR, by=None)
    assign(task=task, person=PersonFactory(team=marketing), role=Role.CONTRIBUTOR, by=None)
    assign(task=task, person=PersonFactory(team=operations), role=Role.INFORMED, by=None)
    (answer,) = lookup("promo code", on=TODAY).answers
    assert answer.acting.person is None
    assert answer.acting.reason == ActingReason.NO_OWNER
    assert [p.name for p in answer.ask_instead] == ["Sam Lead"]
    assert answer.answerer.because == "lead of Marketing, whose people do most of its work"

    assign(task=task, person=PersonFactory(name="Arjun"), role=Role.ESCALATION, by=None)
    (answer,) = lookup("promo code", on=TODAY).answers
    assert [p.name for p in answer.ask_instead] == ["Arjun"]
    assert answer.answerer.because == "escalation contact"


def test_nobody_and_no_team_then_ask_an_ops_lead():
    ops_leads = Group.objects.get(name="Ops leads")
    operations = TeamFactory(name="Operations")
    for name, person in [
        ("dana", {"name": "Dana Kowalski", "team": operations}),
        ("ari", {"name": "Ari Away", "away_until": TODAY + datetime.timedelta(days=3)}),
        ("lee", {"name": "Lee Left", "departed_on": TODAY}),
        ("bo", {"name": "Bo Back", "team": None, "away_until": TODAY - datetime.timedelta(days=1)}),
    ]:
        user = UserFactory(username=name)
        user.groups.add(ops_leads)
        PersonFactory(user=user, **person)
    inactive = UserFactory(username="al", is_active=False)
    inactive.groups.add(ops_leads)
    PersonFactory(name="Al Inactive", user=inactive)
    ops_leads.user_set.add(UserFactory(username="no-person"))
    TaskFactory(name="Search and discovery quality")
    (answer,) = lookup("search quality", on=TODAY).answers
    # The first ops lead here today, by name.
    assert [(p.name, p.team_name) for p in answer.ask_instead] == [("Bo Back", None)]
    assert answer.answerer.because == "the ops leads' default"


def test_nobody_and_no_team_at_work_then_the_lead_of_the_team_owning_most_of_the_stage():
    fulfilment = Stage.objects.get(slug="fulfilment")
    warehouse = TeamFactory(name="Warehouse", lead=PersonFactory(name="Wen Lead"))
    support = TeamFactory(name="Support", lead=PersonFactory(name="Sol Lead"))
    for n, team in enumerate([warehouse, warehouse, support]):
        owned = TaskFactory(name=f"Packing bench {n}", stage=fulfilment)
        assign(task=owned, person=PersonFactory(team=team), role=Role.OWNER, by=None)
    TaskFactory(name="Gift wrap station", stage=fulfilment)
    (answer,) = lookup("gift wrap", on=TODAY).answers
    assert [p.name for p in answer.ask_instead] == ["Wen Lead"]
    assert answer.answerer.because == "lead of Warehouse, which owns most of its stage"


def test_the_configured_default_answers_before_the_ops_leads(settings):
    settings.OWNERMAP_LAST_RESORT_EMAIL = "duty@shop.example"
    PersonFactory(name="Duty Desk", email="duty@shop.example")
    TaskFactory(name="Search and discovery quality")
    (answer,) = lookup("search quality", on=TODAY).answers
    assert [p.name for p in answer.ask_instead] == ["Duty Desk"]
    data = answer_data(answer)
    assert data["answers_for_it"]["reason"] == "last_resort"
    assert data["answers_for_it"]["person"]["email"] == "duty@shop.example"


def test_each_answer_links_to_its_tasks_permalink():
    tasks = [TaskFactory(name=f"Carrier cutoff {n}") for n in range(3)]
    answers = lookup("carrier cutoff").answers
    assert {a.task.get_permalink() for a in answers} == {t.get_permalink() for t in tasks}
    assert sorted(a.task.get_permalink() for a in answers) == [
        "/t/carrier-cutoff-0",
        "/t/carrier-cutoff-1",
        "/t/carrier-cutoff-2",
    ]


def test_an_empty_or_meaningless_query_is_empty():
    TaskFactory(name="Inventory sync")
    for query in ["", "   ", "where is my", "?!", "🙂"]:
        result = lookup(query)
        assert (result.is_empty_query, result.answers) == (True, []), query


def test_no_match_offers_the_closest_task_names():
    TaskFactory(name="Holiday shipping cutoff sign-off", stage=Stage.objects.get(slug="delivery"))
    TaskFactory(name="Returns notices")
    result = lookup("holliday shipping cuttoff signof zzz", limit=1)
    assert names(result) == ["Holiday shipping cutoff sign-off"]
    nothing = lookup("xylophone")
    assert (nothing.answers, nothing.closest, nothing.is_empty_query) == ([], [], False)


def test_the_closest_names_are_the_ones_nearest_the_words():
    from ownership.lookup.search import _closest

    TaskFactory(name="Warranty claims")
    TaskFactory(name="Returns notices")
    assert [task.name for task in _closest(["warranti", "claimz"])] == ["Warranty claims"]


@pytest.mark.parametrize("count", [1, 12])
def test_a_lookup_takes_the_same_queries_whatever_the_number_of_results(
    count, django_assert_num_queries
):
    team = TeamFactory(lead=PersonFactory())
    for n in range(count):
        task = TaskFactory(name=f"Refund step {n}")
        assign_owner(task=task, person=PersonFactory(team=team), by=None)
        assign_backup(task=task, person=PersonFactory(team=team), by=None)
        assign(task=task, person=PersonFactory(team=team), role=Role.CONTRIBUTOR, by=None)
    # PostgreSQL: one statement (terms, completions, synonyms, corrections, ranking, tasks,
    # people, why). SQLite: which words are terms of the map (to correct the others), then it.
    with django_assert_num_queries(1 if _postgres() else 2):
        result = lookup("refund step", limit=12)
    assert len(result.answers) == count


def _postgres():
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("refunds", "refund"),
        ("damaged", "damag"),
        ("shipping", "ship"),
        ("boxes", "box"),
        ("address", "address"),
        ("notices", "notic"),
        ("bed", "bed"),
        ("erp", "erp"),
    ],
)
def test_stem(word, expected):
    assert stem(word) == expected


def test_an_answer_says_when_the_task_is_next_due():
    task = TaskFactory(name="Returns notices", rhythm="weekly on monday")
    update_task(task=task, by=None, rhythm="weekly on friday")
    task.refresh_from_db()
    answer = lookup("returns notices").answers[0]
    assert answer.next_due == task.next_due_on
    assert answer.next_due.weekday() == 4
