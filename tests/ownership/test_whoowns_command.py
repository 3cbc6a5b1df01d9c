import json

import pytest
from django.core.management import CommandError, call_command

from ownership.assignments import assign, assign_backup, assign_owner
from ownership.models import Role
from tests.factories import PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db


def run(capsys, *args):
    call_command("whoowns", *args)
    return capsys.readouterr().out


def test_json_lists_the_answers_best_first_with_every_field(capsys):
    task = TaskFactory(
        name="Holiday shipping cutoff sign-off",
        rhythm="yearly on 15 november",
        definition_of_done="Cut-offs confirmed",
    )
    assign_owner(task=task, person=PersonFactory(name="Nina", email="nina@x.io"), by=None)
    assign_backup(task=task, person=PersonFactory(name="Chris", email="chris@x.io"), by=None)
    TaskFactory(name="Shipping promise consistency")
    data = json.loads(run(capsys, "holiday", "shipping", "--json"))
    assert [row["task"] for row in data] == [
        "Holiday shipping cutoff sign-off",
        "Shipping promise consistency",
    ]
    first = data[0]
    assert first["slug"] == "holiday-shipping-cutoff-sign-off"
    assert first["url"] == "http://127.0.0.1:8000/t/holiday-shipping-cutoff-sign-off"
    assert first["stage"] == "Discover"
    assert first["acting_owner"]["name"] == "Nina"
    assert first["acting_owner"]["email"] == "nina@x.io"
    assert first["acting_reason"] == "owner"
    assert first["backup"]["email"] == "chris@x.io"
    assert first["definition_of_done"] == "Cut-offs confirmed"
    assert first["rhythm"] == "yearly on 15 november"
    assert first["next_due"] is None
    assert data[1]["acting_owner"] is None
    assert data[1]["acting_reason"] == "no_owner"


def test_limit_caps_the_results(capsys):
    for n in range(4):
        TaskFactory(name=f"Refund step {n}")
    assert len(json.loads(run(capsys, "refund", "--json", "--limit", "2"))) == 2


@pytest.mark.parametrize("limit", ["0", "51"])
def test_a_limit_out_of_range_is_refused(limit):
    with pytest.raises(CommandError, match="--limit must be between 1 and 50"):
        call_command("whoowns", "refund", "--limit", limit)


def test_the_text_answer_says_who_to_ask(capsys):
    team = TeamFactory(lead=PersonFactory(name="Sam Carter", email="sam@x.io"))
    task = TaskFactory(name="Promo code setup and QA")
    assign(task=task, person=PersonFactory(team=team), role=Role.CONTRIBUTOR, by=None)
    out = run(capsys, "promo")
    assert "1. Promo code setup and QA" in out
    assert "NOBODY OWNS THIS." in out
    assert "Answers for it until someone does: Sam Carter <sam@x.io> (lead of " in out


def test_no_match_says_so(capsys):
    TaskFactory(name="Refund processing")
    assert "No task matches “xylophone”." in run(capsys, "xylophone")


def test_no_words_is_an_error():
    with pytest.raises(CommandError, match="Give some words"):
        call_command("whoowns", "?!")


def test_json_with_no_words_is_an_empty_list(capsys):
    assert json.loads(run(capsys, "--json", "the")) == []
