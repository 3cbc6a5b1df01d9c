"""The rule for who answers for a task now, step by step: the acting owner, the escalation
contact, the lead of the team at work on it, the lead of the stage's team, the default."""

import datetime

import pytest

from ownership.acting import acting_owner
from ownership.answerer import AnswerReason, Fallbacks, Involved, answerer
from ownership.assignments import assign_owner
from ownership.contacts import Contact
from ownership.models import Person, Role
from ownership.people_changes import update_person
from tasks_registry.models import Stage
from tests.factories import PersonFactory, TaskFactory, TeamFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 4)


def _contact(pk, name, *, away=None, team=None, lead=None):
    return Contact(
        pk,
        name,
        f"{name.split()[0].lower()}@x.io",
        "",
        "",
        away,
        None,
        *(team or (None, None)),
        lead,
    )


LEAD = _contact(1, "Lee Lead")
TEAM = (10, "Marketing")
WORKER = _contact(2, "Wes Worker", team=TEAM, lead=LEAD)
ESCALATION = _contact(3, "Esme Escalation")


class NoFallbacks(Fallbacks):
    def stage_team_lead(self, stage_slug):
        return None

    def last_resort(self):
        return None


def _answer(involved, *, owner=None, backup=None, fallbacks=None):
    acting = acting_owner(owner, backup, TODAY)
    return answerer(acting, involved, "fulfilment", fallbacks or NoFallbacks(TODAY))


def test_the_acting_owner_answers_first():
    owner = _contact(4, "Olu Owner")
    found = _answer([Involved(Role.ESCALATION, ESCALATION)], owner=owner)
    assert (found.person, found.reason, found.because) == (
        owner,
        AnswerReason.ACTING_OWNER,
        "acting owner",
    )


def test_then_the_escalation_contact_unless_away():
    involved = [Involved(Role.ESCALATION, ESCALATION), Involved(Role.CONTRIBUTOR, WORKER)]
    assert _answer(involved).person == ESCALATION
    away = _contact(3, "Esme Escalation", away=TODAY + datetime.timedelta(days=2))
    found = _answer([Involved(Role.ESCALATION, away), Involved(Role.CONTRIBUTOR, WORKER)])
    assert (found.person, found.because) == (
        LEAD,
        "lead of Marketing, whose people do most of its work",
    )


def test_with_nobody_at_all_it_says_what_is_missing():
    found = _answer([])
    assert (found.person, found.reason) == (None, AnswerReason.NOBODY)
    assert found.because == "nobody: add an ops lead"


def test_on_a_map_with_no_team_and_no_ops_lead_the_fallbacks_find_nobody(reference_data):
    # The stage's team lead and the default on a real map: tests/ownership/test_lookup.py.
    assert _answer([], fallbacks=Fallbacks(TODAY)).reason == AnswerReason.NOBODY


def test_the_stages_team_leads_are_read_once_per_version_of_the_map(
    reference_data, django_assert_num_queries
):
    team = TeamFactory(name="Warehouse", lead=PersonFactory(name="Wen Lead"))
    stage = Stage.objects.get(slug="fulfilment")
    assign_owner(task=TaskFactory(stage=stage), person=PersonFactory(team=team), by=None)
    assert Fallbacks(TODAY).stage_team_lead("fulfilment").name == "Wen Lead"
    with django_assert_num_queries(1):  # the map's version: the leads come from the cache
        assert Fallbacks(TODAY).stage_team_lead("fulfilment").name == "Wen Lead"
    wen = Person.objects.get(name="Wen Lead")
    update_person(person=wen, by=None, name="Wen Li")  # a new version of the map
    assert Fallbacks(TODAY).stage_team_lead("fulfilment").name == "Wen Li"
