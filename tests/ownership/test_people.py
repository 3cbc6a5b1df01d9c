import pytest
from django.core.exceptions import ValidationError

from ownership import people_changes
from ownership.assignments import assign_backup, assign_owner, confirm_owner
from ownership.history_in_words import task_history
from ownership.people_changes import find_person, handover_plan, update_person, update_team
from tests.factories import PersonFactory, TaskFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    ["Irene Costa <irene@example.com>", "IRENE@example.com", "  irene costa ", "Irene Costa"],
)
def test_a_person_is_found_from_a_label_an_email_or_a_unique_name(typed):
    irene = PersonFactory(name="Irene Costa", email="irene@example.com")
    assert find_person(typed) == irene


def test_a_first_name_only_one_person_has_finds_them():
    irene = PersonFactory(name="Irene Costa")
    assert find_person("irene") == irene


def test_a_first_name_two_people_share_asks_for_the_email():
    PersonFactory(name="Irene Costa", email="irene@example.com")
    PersonFactory(name="Irene Adler", email="adler@example.com")
    with pytest.raises(ValidationError, match="More than one person is called Irene"):
        find_person("Irene")


def test_a_near_miss_name_suggests_the_closest_people():
    PersonFactory(name="Irene Costa")
    with pytest.raises(ValidationError) as refused:
        find_person("Irene Cost")
    assert refused.value.messages == [
        "Nobody in the map is called “Irene Cost”. Did you mean Irene Costa?"
    ]


def test_a_title_change_is_a_change_of_role_but_a_name_change_is_not():
    person = PersonFactory(title="Merchandiser")
    update_person(person=person, by=None, name="New Name")
    person.refresh_from_db()
    assert person.role_changed_at is None
    update_person(person=person, by=None, title="Pricing Analyst", team=TeamFactory())
    person.refresh_from_db()
    assert person.role_changed_at is not None


def test_the_handover_plan_proposes_the_backup_unless_the_backup_has_left_too():
    tom, chris = PersonFactory(name="Tom"), PersonFactory(name="Chris")
    task = TaskFactory()
    assign_owner(task=task, person=tom, by=None)
    assign_backup(task=task, person=chris, by=None)
    (item,) = handover_plan(tom)
    assert item.successor == chris
    chris.departed_on = chris.created_at.date()
    chris.save()
    (item,) = handover_plan(tom)
    assert item.successor is None


def test_keeping_an_owner_after_a_change_of_role_is_in_the_history_with_who_did_it():
    user = UserFactory(username="dana")
    task = TaskFactory()
    assign_owner(task=task, person=PersonFactory(name="Daniel Kim"), by=None)
    confirm_owner(task=task, by=user)
    entry = task_history(task)[0]
    assert (entry.summary, entry.user) == (
        "kept Daniel Kim as owner after their change of role",
        user,
    )


def test_confirming_an_owner_of_a_task_without_one_is_refused():
    with pytest.raises(ValidationError, match="has no owner to confirm"):
        confirm_owner(task=TaskFactory(), by=None)


@pytest.mark.parametrize("typed", ["Irene\x00", "x" * 401])
def test_input_no_name_could_be_is_refused_not_sent_to_the_database(typed):
    with pytest.raises(ValidationError, match="not a name or an email address"):
        find_person(typed)


def test_the_type_ahead_and_the_handover_survive_a_nul_character(client, ops_lead):
    from django.urls import reverse

    tom = PersonFactory(name="Tom Reyes")
    task = TaskFactory()
    owner = assign_owner(task=task, person=tom, by=None)
    client.force_login(ops_lead)
    suggest = client.get(reverse("ownership:people_suggest"), {"person": "To\x00m"})
    assert (suggest.status_code, suggest.content.strip()) == (200, b"")
    response = client.post(
        reverse("ownership:person_handover", kwargs={"pk": tom.pk}), {f"to_{owner.pk}": "a\x00b"}
    )
    assert response.status_code == 200
    assert "That is not a name or an email address." in response.content.decode()


def test_an_email_taken_by_someone_else_as_it_is_saved_is_refused_at_its_field(monkeypatch):
    PersonFactory(name="Sam Carter", email="sam@example.com")
    person = PersonFactory(name="Priya Nair", email="priya@example.com")
    real = people_changes.check_email_free
    # The check before the save read the table before the other person's save committed; the
    # one after the refusal sees it.
    calls = iter([lambda email, **kw: email.strip().lower(), real])
    monkeypatch.setattr(people_changes, "check_email_free", lambda *a, **k: next(calls)(*a, **k))
    with pytest.raises(ValidationError) as refused:
        update_person(person=person, by=None, email="SAM@example.com")
    assert refused.value.message_dict["email"] == [
        "Sam Carter already has the email address sam@example.com."
    ]
    person.refresh_from_db()
    assert person.email == "priya@example.com"


def test_a_team_renamed_as_another_takes_the_name_is_refused_at_the_name(monkeypatch):
    TeamFactory(name="Operations")
    team = TeamFactory(name="Logistics")
    monkeypatch.setattr(people_changes, "check_team_name_free", lambda name, **k: name.strip())
    with pytest.raises(ValidationError) as refused:
        update_team(team=team, by=None, name="Operations")
    assert refused.value.message_dict["name"] == ["There is already a team called “Operations”."]
