"""Nothing unreviewed is forgotten: a closed session's items it did not review are carried,
each once, to the next session of its kind, or to a follow-up a manager schedules from its
summary. A follow-up counts as a session of the kind it follows."""

from django.db.models import Q, QuerySet

from reviews.models import Outcome, ReviewItem, ReviewKind, ReviewSession, SessionStatus


def root_of(session: ReviewSession) -> ReviewSession:
    """The quarterly or post-campaign session a follow-up follows (itself otherwise)."""
    return session.follows if session.follows_id else session  # type: ignore[return-value]


def left_unreviewed(session: ReviewSession) -> QuerySet[ReviewItem]:
    """The session's items not reviewed, with where each was carried (if it was yet)."""
    return (
        session.items.filter(outcome=Outcome.PENDING)
        .select_related("task", "carried_into__session__follows", "carried_into__session__campaign")
        .order_by("position", "pk")
    )


def taken_over_by(item: ReviewItem) -> ReviewSession | None:
    """The session that took an unreviewed item over, if one has."""
    try:
        return item.carried_into.session
    except ReviewItem.carried_into.RelatedObjectDoesNotExist:
        return None


def waiting(kind: str) -> dict[int, int]:
    """{task id: item id} of the items closed sessions of `kind` (and their follow-ups) left
    unreviewed, not yet carried anywhere, for tasks still on the map: the latest item of each."""
    left = ReviewItem.objects.filter(
        Q(session__kind=kind) | Q(session__kind=ReviewKind.FOLLOW_UP, session__follows__kind=kind),
        session__status=SessionStatus.CLOSED,
        outcome=Outcome.PENDING,
        carried_into__isnull=True,
        task__is_active=True,
    )
    ordered = left.order_by("session__closed_at", "pk").values_list("task_id", "pk")
    return dict(ordered)
