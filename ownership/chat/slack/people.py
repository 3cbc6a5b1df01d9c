"""People on the map linked to their Slack users, found by their email (users.lookupByEmail,
which needs the users:read.email scope)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from ownership.chat.slack import web
from ownership.models import Person
from ownership.people_changes import update_person

LINKED_BY_EMAIL = "Linked to Slack by their email"


@dataclass
class Linking:
    """What link_by_email did, person by person."""

    linked: list[tuple[Person, str]] = field(default_factory=list)
    not_in_slack: list[Person] = field(default_factory=list)
    taken: list[tuple[Person, str, Person]] = field(default_factory=list)


def link_by_email(people: Iterable[Person], *, dry_run: bool = False) -> Linking:
    """Each person's Slack user, by their email. Slack's other errors (a bad token, a missing
    scope) raise SlackApiError: they would be the same for everyone."""
    client = web.client()
    # users.lookupByEmail allows about a hundred calls a minute: wait when Slack says so.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    done = Linking()
    for person in people:
        try:
            found = client.users_lookupByEmail(email=person.email)
        except SlackApiError as error:
            if error.response.get("error") == "users_not_found":
                done.not_in_slack.append(person)
                continue
            raise
        user_id = str(found["user"]["id"])
        if user_id == person.slack_user_id:
            continue
        holder = Person.objects.filter(slack_user_id=user_id).exclude(pk=person.pk).first()
        if holder is not None:
            done.taken.append((person, user_id, holder))
            continue
        if not dry_run:
            update_person(person=person, by=None, reason=LINKED_BY_EMAIL, slack_user_id=user_id)
        done.linked.append((person, user_id))
    return done
