"""People linked to their Slack users: by email, through the Web API, or by an ops lead."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from ownership.chat.slack.people import LINKED_BY_EMAIL
from ownership.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

SLACK_USERS = {"irene@shop.test": "U0IRENE", "bo@shop.test": "U0BO", "dup@shop.test": "U0IRENE"}


def _lookup(sent: dict) -> dict:
    user = SLACK_USERS.get(sent.get("email", ""))
    if user is None:
        return {"ok": False, "error": "users_not_found"}
    return {"ok": True, "user": {"id": user, "name": sent["email"].split("@")[0]}}


def test_the_command_links_people_by_email(slack_on, capsys):
    slack_on.answers["users.lookupByEmail"] = _lookup
    irene = PersonFactory(name="Irene Costa", email="irene@shop.test")
    bo = PersonFactory(name="Bo Lind", email="bo@shop.test")
    PersonFactory(name="Cy Noone", email="cy@shop.test")
    call_command("link_slack_users")
    irene.refresh_from_db()
    bo.refresh_from_db()
    assert (irene.slack_user_id, bo.slack_user_id) == ("U0IRENE", "U0BO")
    out = capsys.readouterr().out
    assert "not in Slack: Cy Noone <cy@shop.test>" in out
    assert "2 linked, 1 not in Slack, 0 left alone." in out
    # Through the Web API's method, with the bot's token; and into the person's history.
    emails = [call.body["email"] for call in slack_on.calls_to("users.lookupByEmail")]
    assert sorted(emails) == ["bo@shop.test", "cy@shop.test", "irene@shop.test"]
    assert irene.history.first().history_change_reason == LINKED_BY_EMAIL


def test_a_slack_user_linked_to_someone_else_is_left_alone(slack_on, capsys):
    slack_on.answers["users.lookupByEmail"] = _lookup
    PersonFactory(name="Irene Costa", email="irene@shop.test", slack_user_id="U0IRENE")
    dup = PersonFactory(name="Dup Licate", email="dup@shop.test")
    call_command("link_slack_users")
    dup.refresh_from_db()
    assert dup.slack_user_id == ""
    assert "left alone: Dup Licate's Slack user U0IRENE is linked to Irene Costa" in (
        capsys.readouterr().out
    )


def test_a_dry_run_changes_nothing(slack_on, capsys):
    slack_on.answers["users.lookupByEmail"] = _lookup
    irene = PersonFactory(name="Irene Costa", email="irene@shop.test")
    call_command("link_slack_users", "--dry-run")
    irene.refresh_from_db()
    assert irene.slack_user_id == ""
    assert "would link Irene Costa <irene@shop.test> to U0IRENE" in capsys.readouterr().out


def test_a_refused_token_stops_with_slacks_reason(slack_on, settings):
    settings.SLACK_BOT_TOKEN = "xoxb-revoked"  # noqa: S105 - a test's
    PersonFactory(email="irene@shop.test")
    with pytest.raises(CommandError, match="Slack refused: invalid_auth"):
        call_command("link_slack_users")


def test_without_slack_the_command_says_what_to_set(settings):
    settings.SLACK_BOT_TOKEN = ""
    with pytest.raises(CommandError, match="SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN"):
        call_command("link_slack_users")


def _edit(client, person: Person, slack_user_id: str):
    return client.post(
        reverse("ownership:person_edit", kwargs={"pk": person.pk}),
        {
            "name": person.name,
            "email": person.email,
            "title": person.title,
            "slack_user_id": slack_user_id,
            "version": person.version,
        },
    )


def test_an_ops_lead_fixes_the_link_and_the_page_shows_it(client, ops_lead, slack_on):
    person = PersonFactory(name="Irene Costa")
    client.force_login(ops_lead)
    page = client.get(reverse("ownership:person_detail", kwargs={"pk": person.pk}))
    assert "not linked to Slack: its user id goes in Edit" in page.content.decode()
    assert _edit(client, person, " U0IRENE ").status_code == 302
    person.refresh_from_db()
    assert person.slack_user_id == "U0IRENE"
    page = client.get(reverse("ownership:person_detail", kwargs={"pk": person.pk}))
    assert "Slack user U0IRENE" in page.content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("irene", "A Slack user id starts with U or W"),
        ("<@U0IRENE>", "A Slack user id starts with U or W"),
        ("U0TAKEN", "Bo Lind is linked to the Slack user U0TAKEN already."),
    ],
)
def test_a_bad_or_taken_slack_user_id_is_refused_at_the_field(client, ops_lead, typed, message):
    PersonFactory(name="Bo Lind", slack_user_id="U0TAKEN")
    person = PersonFactory(name="Irene Costa")
    client.force_login(ops_lead)
    response = _edit(client, person, typed)
    assert response.status_code == 200
    assert message in response.content.decode()
    person.refresh_from_db()
    assert person.slack_user_id == ""
