"""Keeping the map true: review sessions and the item each task gets in one."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ownership.models import Attestation, EscalationStep, Person
from tasks_registry.models import Campaign, PromiseLink, Task


class ReviewKind(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly review"
    POST_CAMPAIGN = "post_campaign", "Post-campaign review"
    # Scheduled by a manager from a closed session's summary, for what it did not review.
    FOLLOW_UP = "follow_up", "Follow-up review"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    PAUSED = "paused", "Paused"
    CLOSED = "closed", "Closed"


class ReviewSession(models.Model):
    """A quarterly review (one per quarter), a post-campaign review (one per campaign), or a
    follow-up to one of them for the items it did not review."""

    kind = models.CharField(max_length=20, choices=ReviewKind.choices)
    period = models.CharField(
        max_length=7, blank=True, help_text="The quarter a quarterly review covers, e.g. 2026-Q4."
    )
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_sessions",
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text="The session a follow-up takes the unreviewed items of.",
    )
    scheduled_for = models.DateField()
    facilitator = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilitated_reviews",
    )
    participants = models.ManyToManyField(Person, blank=True, related_name="review_sessions")
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A post-campaign review whose campaign was first seen long after it ended.
    late = models.BooleanField(default=False, editable=False)
    # When its campaign's dates changed after the review had started (it kept its items).
    campaign_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When its summary went to the team's chat channel: once, whoever's notice got there first.
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The map's figures when the session was made and when it closed (ownership.gap_rules's
    # coverage and gap counts): the trend chart and the summary's before and after.
    map_before = models.JSONField(default=dict, blank=True)
    map_after = models.JSONField(default=dict, blank=True)

    history = HistoricalRecords()

    # Not stored: set by the scheduler on a session it has just made, for what it reports.
    item_count: int
    notice_ids: list[int]

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        permissions = [("run_reviewsession", "Can run review sessions and record outcomes")]
        constraints = [
            # The scheduler's idempotency keys: one session per quarter, one per campaign.
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(kind="quarterly"),
                name="review_one_per_quarter",
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=models.Q(kind="post_campaign"),
                name="review_one_per_campaign",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="quarterly", campaign__isnull=True, period__regex=r"^\d{4}-Q[1-4]$"
                    )
                    | models.Q(kind="post_campaign", campaign__isnull=False, period="")
                    | models.Q(
                        kind="follow_up", campaign__isnull=True, period="", follows__isnull=False
                    )
                ),
                name="review_covers_a_quarter_a_campaign_or_a_session",
                violation_error_message=(
                    "A quarterly review covers a quarter (YYYY-Qn); a post-campaign review "
                    "covers a campaign; a follow-up follows a session."
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.kind == ReviewKind.QUARTERLY:
            return f"Quarterly review {self.period}"
        if self.kind == ReviewKind.FOLLOW_UP:
            return f"Follow-up to the {self.follows}"
        return f"Post-campaign review: {self.campaign}"

    @property
    def cause(self) -> str:
        """What a change made through this session's items records as its cause: the
        summary's "What changed" is these changes (reviews/summary.py)."""
        return f"in the {self}"


class Outcome(models.TextChoices):
    PENDING = "pending", "Not yet reviewed"
    CONFIRMED = "confirmed", "Confirmed"
    CHANGED = "changed", "Changed"
    RETIRED = "retired", "Retired"
    GAP_LEFT_OPEN = "gap_left_open", "Gap left open"


# Outcomes that confirm a task as it stands (or as just fixed): the stale rule counts from the
# latest of them (Task.last_confirmed_at, kept by reviews.session_runner).
CONFIRMING = (Outcome.CONFIRMED, Outcome.CHANGED)


class ItemReason(models.TextChoices):
    QUARTERLY = "quarterly", "Every active task, every quarter"
    FELL_DUE = "fell_due", "Fell due around the campaign"
    GAINED_GAP = "gained_gap", "Gained a gap during the campaign"
    ADDED = "added", "Added to the map during the session"
    CARRIED = "carried", "Not reviewed in an earlier session"


class ReviewItem(models.Model):
    """One task walked in a session, with what the session decided about it."""

    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="items")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="review_items")
    position = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=20, choices=ItemReason.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.TextField(blank=True)
    # A record of the task's gaps when the session was made, not the source of truth.
    gaps_snapshot = models.JSONField(default=list, blank=True)
    # And of its people then, by name ({"owner": …, "backup": …}): a retired task's item
    # shows who held it when it was walked, beside who holds it now.
    people_snapshot = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The unreviewed item of a closed session that this one takes over: each is carried once,
    # to the next session of its kind or to a follow-up (reviews/carrying.py).
    carried_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_into",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "task"], name="review_item_once_per_session"
            ),
        ]
        indexes = [
            # "When was this task last confirmed in a review?" (the stale rule).
            models.Index(fields=["task", "outcome"], name="review_item_task_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task} in {self.session}"


class NoticeKind(models.TextChoices):
    SESSION = "session", "Review session coming up"
    OVERDUE = "overdue", "Task overdue"
    ESCALATION = "escalation", "Overdue task escalated"
    ATTEST = "attest", "Still yours?"
    ATTEST_PROBLEM = "attest_problem", "Something is wrong with a task"
    DIGEST = "digest", "Weekly digest"
    SUMMARY = "summary", "Review summary"
    PRE_REVIEW = "pre_review", "Your tasks before a review"
    PROMISE_CHANGED = "promise_changed", "A promise changed: re-check"


class Notice(models.Model):
    """A message to one person, made once by its key and sent once (reviews/notify.py). Its key
    is spent when it is delivered or skipped (nothing left to say), not when it is made: a
    notice nobody could send stays pending for the next try."""

    # The idempotency key: "session:12:person:4", "overdue:task:5:2026-11-20", …
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notices")
    session = models.ForeignKey(
        ReviewSession, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    due_on = models.DateField(null=True, blank=True)
    # The escalation step it tells of (ownership/escalation.py), for an overdue task.
    step = models.ForeignKey(
        EscalationStep, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    # The owner's "something is wrong" it passes on to an ops lead.
    attestation = models.ForeignKey(
        Attestation, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    # The place repeating a changed promise it asks the task's owner to re-check.
    promise_link = models.ForeignKey(
        PromiseLink, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when a sender claims it, cleared again if sending fails; a claim older than
    # OWNERMAP_NOTICE_CLAIM_SECONDS belongs to a sender that died, and is taken over.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set once the mail server took it: only then is it sent.
    sent_at = models.DateTimeField(null=True, blank=True)
    # Why it was not sent, when there was nothing left to say by the time it could be.
    skipped_because = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # How it went: "email", or "chat" for a direct message (reviews/notify.py).
    sent_via = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sent_at", "attempts"], name="notice_unsent_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.person}"


class GapBaseline(models.Model):
    """Every task's gaps when a campaign started: what its post-campaign review compares with
    to find the tasks that gained a gap during it."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="baseline")
    taken_at = models.DateTimeField()
    # {task id: [rule codes]} for the tasks flagged then.
    gaps = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"Gaps when {self.campaign} started"
