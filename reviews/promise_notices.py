"""A promise's new wording reaches the acting owner of each task that repeats it. A receiver,
because the promise's write function (tasks_registry.promises.update_promise) belongs to the
registry and knows nothing of people or notices; it sends `promise_changed` inside its
transaction, so the notices are made with the change or not at all."""

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from ownership.acting import acting_owner
from ownership.assignments import owners_and_backups
from reviews.jobs import deliver_later
from reviews.models import NoticeKind
from reviews.scheduling import record_notices
from tasks_registry.models import Promise, PromiseLink
from tasks_registry.promises import promise_changed


@receiver(promise_changed, dispatch_uid="reviews_promise_changed")
def _tell_owners(sender: Any, promise: Promise, links: list[PromiseLink], **kwargs: Any) -> None:
    today = timezone.localdate()
    holders = owners_and_backups([link.task_id for link in links])
    wanted = {}
    for place in links:
        if not place.task.is_active:
            continue
        owner, backup = holders.get(place.task_id, (None, None))
        acting = acting_owner(owner, backup, today)
        # The acting owner is one of the two people read for it (Presence names no key).
        person = next((p for p in (owner, backup) if p is not None and p is acting.person), None)
        if person is None:
            continue  # nobody to tell: the dashboard shows the gap, and that it has no owner
        wanted[f"promise:{promise.pk}:v{promise.version}:task:{place.task_id}"] = {
            "kind": NoticeKind.PROMISE_CHANGED,
            "person_id": person.pk,
            "task_id": place.task_id,
            "promise_link_id": place.pk,
        }
    deliver_later(record_notices(wanted))
