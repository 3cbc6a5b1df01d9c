"""The store's promises as the Promises page and a task's page show them: each with the owner
of the task accountable for it, and the places that repeat it, up to date or not yet, each with
its task's owner. A fixed number of statements, whatever the number of promises and places."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from ownership.assignments import owners_and_backups
from ownership.models import Person
from ownership.permissions import VIEW_MAP
from tasks_registry.models import Promise, PromiseLink, Task


@dataclass
class Place:
    link: PromiseLink
    owner: Person | None
    # Whether the person looking may say it was updated (its task's owner or backup).
    may_confirm: bool = False

    @property
    def is_up_to_date(self) -> bool:
        return self.link.is_up_to_date


@dataclass
class PromiseView:
    promise: Promise
    owner: Person | None
    places: list[Place] = field(default_factory=list)

    @property
    def out_of_date(self) -> list[Place]:
        return [place for place in self.places if not place.is_up_to_date]


def _with_places(promises: QuerySet[Promise]) -> QuerySet[Promise]:
    links = PromiseLink.objects.select_related("task", "checked_by").order_by("task__name", "pk")
    return promises.select_related("owning_task").prefetch_related(
        Prefetch("links", queryset=links)
    )


def _person_of(user: Any) -> Person | None:
    """The user's person on the map, if they may confirm anything (may_confirm_done's rule)."""
    if not (user.is_authenticated and user.is_active and user.has_perm(VIEW_MAP)):
        return None
    try:
        return user.person  # cached on the user: the page's header reads it too
    except Person.DoesNotExist:
        return None


def promise_views(promises: QuerySet[Promise], *, user: Any) -> list[PromiseView]:
    found = list(_with_places(promises))
    tasks = {p.owning_task_id for p in found} | {
        link.task_id for p in found for link in p.links.all()
    }
    holders = owners_and_backups(list(tasks))
    person = _person_of(user) if any(p.links.all() for p in found) else None
    # The tasks they own or back up: theirs to say were updated (may_confirm_done, for all).
    mine = {
        pk
        for pk, pair in holders.items()
        if person is not None and person.pk in {getattr(held, "pk", None) for held in pair}
    }
    views = []
    for promise in found:
        view = PromiseView(promise, holders.get(promise.owning_task_id, (None, None))[0])
        for link in promise.links.all():
            link.promise = promise  # is_up_to_date reads it: no query per place
            owner = holders.get(link.task_id, (None, None))[0]
            view.places.append(Place(link, owner, link.task_id in mine))
        views.append(view)
    return views


def task_places(task: Task, *, may_confirm: bool) -> tuple[list[Promise], list[Place]]:
    """The promises a task owns, and the places where it repeats promises (`may_confirm`:
    whether the person looking may say each was updated, its owner or backup)."""
    owned = list(task.promises_owned.order_by("name"))
    links = list(task.promise_links.select_related("promise", "checked_by"))
    return owned, [Place(link, None, may_confirm) for link in links]
