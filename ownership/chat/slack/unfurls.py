"""A task's link pasted in Slack shows its owner, backup and next due date under the message
(the link_shared event, answered with chat.unfurl): "who owns this?" answered before anyone
asks."""

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from ownership.chat.slack import blocks
from ownership.lookup import answer_for
from tasks_registry.models import PreviousSlug, Task

# Slack sends the links of one message together; more than this is not a link being shared.
MOST_LINKS = 5
TASK_VIEWS = ("ownership:task_permalink", "ownership:task_detail")


def task_of_link(url: str) -> Task | None:
    """The task a link of this Ownermap points to (its permalink or its page, under a slug
    it has or had), if any."""
    parts = urlsplit(url)
    if parts.netloc.lower() != urlsplit(settings.OWNERMAP_BASE_URL).netloc.lower():
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name not in TASK_VIEWS:
        return None
    slug = match.kwargs["slug"]
    task = Task.objects.filter(slug=slug).first()
    if task is None:
        previous = PreviousSlug.objects.select_related("task").filter(slug=slug).first()
        task = previous.task if previous is not None else None
    return task


def unfurls(urls: Iterable[str]) -> dict[str, dict[str, Any]]:
    """URL → the attachment Slack shows under it, for the links that are active tasks."""
    found: dict[str, dict[str, Any]] = {}
    for url in list(urls)[:MOST_LINKS]:
        task = task_of_link(url)
        answer = answer_for(task) if task is not None else None
        if answer is not None:
            found[url] = {"blocks": blocks.unfurl_blocks(answer)}
    return found
