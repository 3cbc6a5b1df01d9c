"""The buttons under a notice in Slack (ownership/chat/slack/notices.py), pressed: Done opens
the definition-of-done checklist in a modal and confirms on its submission; the date picker
says "I'm on it — by <date>"; Still mine attests. Each answers its person through the response
URL Slack gave with the press, visible to them only."""

import datetime
import json
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from slack_sdk.errors import SlackClientError

from ownership.chat import ActionKind, actions
from ownership.chat.slack import web
from ownership.chat.slack.blocks import escape
from ownership.models import Person

CONFIRM_DONE = "confirm_done"
NOTE_CHARS = 2000
# Block Kit: at most ten options in a checkbox group, 75 characters to an option's text.
OPTIONS_PER_GROUP = 10
OPTION_CHARS = 75

log = logging.getLogger(__name__)


def _person(user_id: str) -> Person | None:
    if not user_id:
        return None
    return Person.objects.select_related("user").filter(slack_user_id=user_id).first()


def _tell(response_url: str, text: str) -> None:
    """Best effort: what was done is done (and in the task's history) whether or not Slack
    takes the answer, and a modal's submission must still be answered."""
    if not response_url:
        return
    message = {"response_type": "ephemeral", "replace_original": False, "text": text}
    try:
        web.reply(response_url, message)
    except (SlackClientError, OSError) as error:
        log.warning("telling a Slack user what their button did failed: %s", error)


def _task_of_block(block_id: str) -> str:
    kind, _, pk = block_id.partition(":")
    return pk if kind == "task" else ""


def block_action(payload: dict[str, Any], action: dict[str, Any]) -> None:
    """One pressed button (or picked date) of a notice."""
    response_url = str(payload.get("response_url", ""))
    user_id = str((payload.get("user") or {}).get("id", ""))
    kind = action.get("action_id")
    try:
        user = actions.actor(_person(user_id))
        if kind == ActionKind.ON_IT:
            task = actions.current_task(_task_of_block(str(action.get("block_id", ""))))
            try:
                until = datetime.date.fromisoformat(str(action.get("selected_date", "")))
            except ValueError:
                raise actions.Refused("Pick the day it will be done by.") from None
            _tell(response_url, actions.on_it(user=user, task=task, until=until))
            return
        value = json.loads(str(action.get("value", "{}")))
        task = actions.current_task(value.get("task"))
        if kind == ActionKind.STILL_MINE:
            _tell(response_url, actions.still_mine(user=user, task=task))
        elif kind == ActionKind.DONE:
            actions.check_may_confirm(user, task)
            due_on = datetime.date.fromisoformat(value["due"])
            web.client().views_open(
                trigger_id=str(payload.get("trigger_id", "")),
                view=checklist_modal(task.name, task.done_checklist, task.pk, due_on, response_url),
            )
    except actions.Refused as refused:
        _tell(response_url, str(refused))
    except (json.JSONDecodeError, AttributeError, KeyError, ValueError):
        _tell(response_url, "That button's message is garbled: open the task in Ownermap.")


def checklist_modal(
    name: str, checklist: list[str], task_pk: int, due_on: datetime.date, response_url: str
) -> dict[str, Any]:
    """Every point of the definition of done to tick, and a note: the web form's checks."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"*{escape(name)}*, due {date_format(due_on, 'D j M Y')}: tick every "
                "point of its definition of done.",
            },
        }
    ]
    for start in range(0, len(checklist), OPTIONS_PER_GROUP):
        points = checklist[start : start + OPTIONS_PER_GROUP]
        blocks.append(
            {
                "type": "input",
                "block_id": f"ticked:{start}",
                "label": {"type": "plain_text", "text": "Done when"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "ticked",
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": _cut(point)},
                            "value": str(start + number),
                        }
                        for number, point in enumerate(points)
                    ],
                },
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": "note",
            "optional": True,
            "label": {"type": "plain_text", "text": "Note"},
            "element": {
                "type": "plain_text_input",
                "action_id": "note",
                "multiline": True,
                "max_length": NOTE_CHARS,
            },
        }
    )
    metadata = {"task": task_pk, "due": due_on.isoformat(), "response_url": response_url}
    return {
        "type": "modal",
        "callback_id": CONFIRM_DONE,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Confirm done"},
        "submit": {"type": "plain_text", "text": "Confirm"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _cut(text: str) -> str:
    return text if len(text) <= OPTION_CHARS else text[: OPTION_CHARS - 1] + "…"


def view_submission(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The checklist modal submitted: the occurrence confirmed, or the modal's errors (Slack
    shows them under their blocks, and the modal stays open)."""
    view = payload.get("view") or {}
    if view.get("callback_id") != CONFIRM_DONE:
        return None
    values = (view.get("state") or {}).get("values") or {}
    groups = [block for block in values if block.startswith("ticked:")]
    first_block = groups[0] if groups else "note"
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
        due_on = datetime.date.fromisoformat(metadata["due"])
        user = actions.actor(_person(str((payload.get("user") or {}).get("id", ""))))
        task = actions.current_task(metadata.get("task"))
    except actions.Refused as refused:
        return {"response_action": "errors", "errors": {first_block: str(refused)}}
    except (json.JSONDecodeError, KeyError, ValueError):
        return {"response_action": "errors", "errors": {first_block: "Open the task in Ownermap."}}
    checklist = task.done_checklist
    ticked = []
    for block in groups:
        for option in (values[block].get("ticked") or {}).get("selected_options") or []:
            index = str(option.get("value", ""))
            if index.isdigit() and int(index) < len(checklist):
                ticked.append(checklist[int(index)])
    note = str(((values.get("note") or {}).get("note") or {}).get("value") or "")[:NOTE_CHARS]
    try:
        actions.confirm_done(user=user, task=task, due_on=due_on, ticked=ticked, note=note)
    except actions.Refused as refused:
        return {"response_action": "errors", "errors": {first_block: str(refused)}}
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        field = "note" if "note" in messages else first_block
        text = " ".join(text for texts in messages.values() for text in texts)
        return {"response_action": "errors", "errors": {field: text}}
    day = date_format(due_on, "D j M")
    _tell(str(metadata.get("response_url", "")), f"Confirmed: “{task.name}”, due {day}, is done.")
    return None
