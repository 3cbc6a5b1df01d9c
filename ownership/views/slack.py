"""What Slack sends the app (docs/slack/manifest.yml): the `/whoowns` command, the presses of
its buttons, and the events it subscribes to (a task's link shared). Each request is Slack's
own, checked before anything else (chat/slack/signing.py); each is answered well inside Slack's
three seconds."""

import json
import logging
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from slack_sdk.errors import SlackClientError

from ownership.answerer import Fallbacks
from ownership.chat import ActionKind, slack
from ownership.chat.slack import blocks, interactions, signing, unfurls, web
from ownership.lookup import answer_for, lookup
from ownership.models import SLACK_USER_ID
from tasks_registry.models import Task

log = logging.getLogger(__name__)


def _is_slack_user(text: str) -> bool:
    try:
        SLACK_USER_ID(text)
    except ValidationError:
        return False
    return True


def from_slack(
    view: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """404 while Slack is not configured (the app is as it was without it); 401, with nothing
    done, for a request Slack did not sign, a stale one or a replay."""

    @csrf_exempt  # Slack cannot hold a CSRF token: its signature stands in for one
    @login_not_required
    @wraps(view)
    def checked(request: HttpRequest) -> HttpResponse:
        if not slack.is_configured():
            raise Http404("Slack is not set up here.")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not signing.is_from_slack(request):
            return HttpResponse("Not signed by Slack.", status=401, content_type="text/plain")
        try:
            return view(request)
        except (AttributeError, TypeError):
            # A signed body of another shape than Slack's (a dict where a list was, say): no
            # harm is done by refusing it, and a 500 would only have Slack retry it. Logged with
            # its traceback, in case the shape was right and the fault is here.
            log.warning("a request from Slack of an unexpected shape", exc_info=True)
            return HttpResponse("Not what Slack sends.", status=400, content_type="text/plain")

    return checked


@from_slack
def command(request: HttpRequest) -> HttpResponse:
    """`/whoowns <words>`: the lookup's best answers, for the asker only."""
    result = lookup(request.POST.get("text", ""), limit=blocks.ANSWERS)
    last_resort = None
    if result.words and not result.answers:
        last_resort = Fallbacks(timezone.localdate()).last_resort()
    return JsonResponse(blocks.lookup_message(result, last_resort))


@from_slack
def interaction(request: HttpRequest) -> HttpResponse:
    """A button pressed on one of the app's messages."""
    try:
        payload = json.loads(request.POST.get("payload", ""))
    except json.JSONDecodeError:
        return HttpResponse("The payload is not JSON.", status=400, content_type="text/plain")
    if not isinstance(payload, dict):
        return HttpResponse(status=200)
    if payload.get("type") == "view_submission":
        answer = interactions.view_submission(payload)
        return HttpResponse(status=200) if answer is None else JsonResponse(answer)
    if payload.get("type") != "block_actions":
        return HttpResponse(status=200)
    user = str((payload.get("user") or {}).get("id", ""))
    response_url = str(payload.get("response_url", ""))
    try:
        for action in payload.get("actions") or []:
            if not isinstance(action, dict) or not _is_slack_user(user):
                continue
            if action.get("action_id") == blocks.SHARE and response_url:
                _share(str(action.get("value", "")), user, response_url)
            elif action.get("action_id") in _NOTICE_ACTIONS:
                interactions.block_action(payload, action)
    except (SlackClientError, OSError) as error:
        # The press is answered all the same; Slack shows its person nothing new.
        log.warning("answering a press in Slack failed: %s", error)
    return HttpResponse(status=200)


_NOTICE_ACTIONS = (ActionKind.DONE, ActionKind.ON_IT, ActionKind.STILL_MINE)


def _share(slug: str, user: str, response_url: str) -> None:
    """The chosen answer, as things stand now, posted in the channel the command was asked in."""
    task = Task.objects.filter(slug=slug).first()
    answer = answer_for(task) if task is not None else None
    message = blocks.gone_message(slug) if answer is None else blocks.shared_message(answer, user)
    web.reply(response_url, message)


@from_slack
def event(request: HttpRequest) -> HttpResponse:
    """The Events API: the URL's verification when the app is set up, and link_shared."""
    try:
        envelope = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return HttpResponse("The body is not JSON.", status=400, content_type="text/plain")
    if not isinstance(envelope, dict):
        return HttpResponse("The body is not a JSON object.", status=400, content_type="text/plain")
    if envelope.get("type") == "url_verification":
        return JsonResponse({"challenge": str(envelope.get("challenge", ""))})
    # Slack sends an event again when the first answer took over three seconds: it was handled.
    if request.headers.get("X-Slack-Retry-Num"):
        return HttpResponse(status=200)
    happened = envelope.get("event") or {}
    if envelope.get("type") == "event_callback" and happened.get("type") == "link_shared":
        _unfurl(happened)
    return HttpResponse(status=200)


def _unfurl(happened: dict) -> None:
    links = [str(link.get("url", "")) for link in happened.get("links") or []]
    found = unfurls.unfurls(links)
    if not found:
        return
    # Newer events name the message by unfurl_id and source; older ones by channel and ts.
    where = (
        {"unfurl_id": happened["unfurl_id"], "source": happened.get("source")}
        if happened.get("unfurl_id")
        else {"channel": happened.get("channel"), "ts": happened.get("message_ts")}
    )
    try:
        web.client().chat_unfurl(unfurls=found, **where)
    except (SlackClientError, OSError) as error:
        log.warning("unfurling %d task links in Slack failed: %s", len(found), error)
