"""What must be done and when: stages of the customer journey, tasks, campaigns, completions."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords


def split_lines(text: str) -> list[str]:
    """The items of a one-per-line text field, blank lines dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class Stage(models.Model):
    """A stage of the customer journey: ownership follows the journey, not the org chart."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Criticality(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"


class Unit(models.TextChoices):
    """What a metric is counted in, and so which values it can take: none is negative, and a
    share is at most the whole."""

    PERCENT = "percent", "percent"
    MINUTES = "minutes", "minutes"
    HOURS = "hours", "hours"
    DAYS = "days", "days"
    PER_ORDER = "per_order", "per order"
    COUNT = "count", "count"

    @property
    def highest(self) -> Decimal | None:
        return Decimal(100) if self is Unit.PERCENT else None

    @property
    def is_time(self) -> bool:
        return self in (Unit.MINUTES, Unit.HOURS, Unit.DAYS)

    def show(self, value: Decimal | float | int | None) -> str:
        """A value as people read it: "98.9%", "36 minutes", "0.12 per order"."""
        if value is None:
            return "no value"
        number = f"{Decimal(str(value)).normalize():f}"
        if self is Unit.PERCENT:
            return f"{number}%"
        if self is Unit.COUNT:
            return number
        return f"{number} {self.label}"


class Direction(models.TextChoices):
    LOWER = "lower", "Lower is better"
    HIGHER = "higher", "Higher is better"


def target_words(unit: Unit, direction: str, target: Decimal | None) -> str:
    """ "at least 99.5%", "at most 2 days", or "no target"."""
    if target is None:
        return "no target"
    bound = "at most" if direction == Direction.LOWER else "at least"
    return f"{bound} {unit.show(target)}"


class Metric(models.Model):
    """An operational number a task protects (order accuracy, refund delay…): its unit, which
    way is better and the target the ops leads set. The values recorded for it are
    MetricValues; the latest is copied here, with how far off target it is, so that the gap
    rule and the map read one row (tasks_registry/metrics.py keeps them)."""

    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    target = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    description = models.TextField(blank=True)
    latest_value = models.DecimalField(
        max_digits=12, decimal_places=3, null=True, blank=True, editable=False
    )
    latest_on = models.DateField(null=True, blank=True, editable=False)
    # How far the latest value is from the target, as a share of the target (of the allowed
    # miss, for a share that should be high); None when on target, or nothing to compare.
    off_by = models.FloatField(null=True, blank=True, editable=False)
    # Bumped by every write through tasks_registry.metrics; a stale edit form is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["latest_value", "latest_on", "off_by"])

    class Meta:
        ordering = [Lower("name"), "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="metric_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(target__isnull=True) | models.Q(target__gte=0),
                name="metric_target_not_negative",
                violation_error_message="A target cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("tasks_registry:metric_detail", kwargs={"pk": self.pk})

    @property
    def unit_kind(self) -> Unit:
        return Unit(self.unit)

    def show(self, value: Decimal | float | int | None) -> str:
        return self.unit_kind.show(value)

    @property
    def latest_shown(self) -> str:
        return self.show(self.latest_value)

    @property
    def target_words(self) -> str:
        return target_words(self.unit_kind, self.direction, self.target)


class Task(models.Model):
    """A piece of recurring or event-driven operational work that needs one accountable owner."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="tasks")
    criticality = models.CharField(
        max_length=10, choices=Criticality.choices, default=Criticality.NORMAL
    )
    rhythm = models.CharField(
        "deadline rhythm",
        max_length=300,
        blank=True,
        help_text=(
            "When it falls due, in words: “weekly on monday”, “monthly on the last business "
            "day”, “2 business days before each campaign”, “ad hoc”."
        ),
    )
    # The day the rhythm was last set: its occurrences count from here. Earlier ones were never
    # asked of anyone, so they cannot be overdue.
    rhythm_set_on = models.DateField(null=True, blank=True, editable=False)
    # The rhythms it had before, with the days each was in force ([{"rhythm", "from",
    # "until"}], oldest first): past due dates come from the rhythm of their time
    # (tasks_registry/rhythm_spans.py).
    past_rhythms = models.JSONField(default=list, blank=True, editable=False)
    definition_of_done = models.TextField(
        blank=True, help_text="What must be true for an occurrence to count as done."
    )
    aliases = models.TextField(
        blank=True, help_text="Other words people use for this task, one per line."
    )
    systems = models.TextField(
        blank=True, help_text="Systems the task touches (ERP, PIM, CMS, WMS…), one per line."
    )
    patterns = models.TextField(
        blank=True,
        help_text=(
            "Identifiers this task owns, one per line: URL paths (/checkout/*), promo codes "
            "(SUMMER*), SKU prefixes (FH-10*), email template names, error codes. * stands for "
            "any characters, ? for one."
        ),
    )
    metric = models.ForeignKey(
        Metric,
        verbose_name="operational metric",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        help_text="The operational metric this task protects, e.g. order accuracy.",
    )
    is_active = models.BooleanField(default=True)
    # The earliest due occurrence not yet confirmed done, kept from the rhythm, the campaigns
    # and the completions; stored so that "which tasks are overdue?" is one indexed comparison
    # for the whole map instead of expanding every task's rhythm on each dashboard load.
    next_due_on = models.DateField("next due", null=True, blank=True, editable=False)
    # When a review last confirmed the task as it stands (or as just fixed), written by the
    # reviews app's write functions: the stale rule reads it without knowing about reviews.
    last_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When its owner last attested it is still theirs and still right (ownership/attestation.py).
    attested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by every write through tasks_registry.changes.update_task; a form saved with an
    # older version is refused instead of silently overwriting someone else's change.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Name and aliases, rewritten by ownership.lookup.index on every save; PostgreSQL keeps a
    # trigram index on it to offer the closest task names when a search matches nothing.
    search_names = models.TextField(blank=True, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "search_names",
            "next_due_on",
            "rhythm_set_on",
            "past_rhythms",
            "last_confirmed_at",
            "attested_at",
        ]
    )

    class Meta:
        ordering = ["stage__order", "name", "id"]
        constraints = [
            # Two tasks called "Returns notices" would make every lookup ambiguous.
            models.UniqueConstraint(Lower("name"), name="task_name_unique_ci"),
        ]
        indexes = [
            # The map and the dashboard list active tasks stage by stage.
            models.Index(fields=["is_active", "stage"], name="task_active_stage_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ownership:task_detail", kwargs={"slug": self.slug})

    def get_permalink(self) -> str:
        return reverse("ownership:task_permalink", kwargs={"slug": self.slug})

    @property
    def alias_list(self) -> list[str]:
        return split_lines(self.aliases)

    @property
    def pattern_list(self) -> list[str]:
        return split_lines(self.patterns)

    @property
    def system_list(self) -> list[str]:
        return split_lines(self.systems)

    @property
    def done_checklist(self) -> list[str]:
        return split_lines(self.definition_of_done)


class TaskPattern(models.Model):
    """One of a task's patterns, normalised, as the lookup matches pasted identifiers against
    it. Written with the task by tasks_registry.changes; unique, so that two tasks never claim
    the same exact pattern."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="pattern_rows")
    pattern = models.CharField(max_length=300, unique=True)
    # The pattern up to its first wildcard: an identifier can only match patterns whose
    # literal start is one of its own prefixes, which an index finds.
    literal_start = models.CharField(max_length=300)

    class Meta:
        ordering = ["pattern"]
        indexes = [
            # lookup: patterns whose literal start is a prefix of a pasted identifier.
            models.Index(fields=["literal_start"], name="task_pattern_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pattern} → {self.task}"


class PreviousSlug(models.Model):
    """A slug a task had before it was renamed, so links pasted in chat keep working."""

    slug = models.SlugField(max_length=200, unique=True)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="previous_slugs")
    retired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-retired_at", "slug"]

    def __str__(self) -> str:
        return f"{self.slug} → {self.task.slug}"


class CampaignKind(models.TextChoices):
    PRODUCT_DROP = "product_drop", "Product drop"
    SALE = "sale", "Sale"
    SEASONAL_RUSH = "seasonal_rush", "Seasonal rush"
    CHANNEL_LAUNCH = "channel_launch", "Channel launch"


class Campaign(models.Model):
    """A product drop, sale, seasonal rush or channel launch: tasks fall due around it."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=CampaignKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    description = models.TextField(blank=True)
    # Bumped by every write through tasks_registry.campaigns; a stale edit form is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-starts_at", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="campaign_ends_after_start",
                violation_error_message="A campaign cannot end before it starts.",
            ),
            # The same campaign put on the calendar twice (a form sent twice at once).
            models.UniqueConstraint(Lower("name"), "starts_at", name="campaign_once_per_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ownership:campaign_detail", kwargs={"slug": self.slug})


class Completion(models.Model):
    """The owner or backup's confirmation that one due occurrence of a task is done, or
    someone's decision, with its reason, that a missed one will not be done (a skip)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="completions")
    due_on = models.DateField(help_text="The due date this completion closes.")
    completed_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="completions"
    )
    note = models.TextField(blank=True)
    evidence_url = models.URLField("evidence link", blank=True, max_length=500)
    # What "done" meant when it was confirmed: the task's definition may be rewritten later.
    definition_of_done = models.TextField(blank=True)
    # Why the occurrence was skipped rather than done; empty for a confirmation.
    skip_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-due_on", "-completed_at", "id"]
        constraints = [
            # One confirmation closes one occurrence; a second would hide which one counts.
            models.UniqueConstraint(fields=["task", "due_on"], name="completion_one_per_due_date"),
        ]

    def __str__(self) -> str:
        return f"{self.task} — due {self.due_on:%Y-%m-%d}"

    @property
    def is_skip(self) -> bool:
        return bool(self.skip_reason)


class MetricValue(models.Model):
    """One value of a metric on a day, as someone recorded it: with a task's confirmation, at
    a review, from its page, or from an imported sheet. Values are never overwritten: the
    latest recorded for the latest day is the metric's current one."""

    class Via(models.TextChoices):
        CONFIRMATION = "confirmation", "with a confirmation"
        REVIEW = "review", "at a review"
        PAGE = "page", "on its page"
        IMPORT = "import", "from an imported sheet"

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="values")
    on = models.DateField()
    value = models.DecimalField(max_digits=12, decimal_places=3)
    # The task it was recorded for, if any: the owner's confirmation, or the review item.
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="metric_values"
    )
    via = models.CharField(max_length=20, choices=Via.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="metric_values"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["metric", "-on", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["metric", "on"], name="metric_value_on_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0),
                name="metric_value_not_negative",
                violation_error_message="A metric value cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric}: {self.value} on {self.on:%Y-%m-%d}"

    @property
    def shown(self) -> str:
        return self.metric.show(self.value)

    @property
    def recorded_words(self) -> str:
        """What the person who recorded it is told: "Refund delay: 2 days recorded for 4 Dec
        2026"."""
        return f"{self.metric.name}: {self.shown} recorded for {self.on:%-d %b %Y}."


class PromiseKind(models.TextChoices):
    DELIVERY_TIME = "delivery_time", "Delivery time"
    RETURN_WINDOW = "return_window", "Return window"
    REFUND_TIME = "refund_time", "Refund time"
    SHIPPING_THRESHOLD = "shipping_threshold", "Free-shipping threshold"
    CUTOFF = "cutoff", "Cutoff"
    PRICE = "price", "Price"
    OTHER = "other", "Other"


class Promise(models.Model):
    """Something the store tells its customers (delivery within 3 business days, returns within
    30 days): its wording and value as they stand, and the task accountable for the promise
    itself. The tasks that repeat it somewhere are its links (PromiseLink). Written through
    tasks_registry/promises.py."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=PromiseKind.choices)
    # What customers are told, word for word, and the figure in it ("3 business days").
    wording = models.TextField()
    value = models.CharField(max_length=100, blank=True)
    owning_task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="promises_owned", verbose_name="owning task"
    )
    # When its wording or value last changed: the places repeating it are checked against it.
    changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by every write through tasks_registry.promises; a stale edit form is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = [Lower("name"), "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="promise_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ownership:promise_detail", kwargs={"pk": self.pk})


class PromiseLink(models.Model):
    """A task that repeats a promise somewhere (the order confirmation email, FAQ › Shipping),
    with the wording and value that place was last confirmed to say. While they differ from
    the promise's, the task has the gap "promise changed: re-check"."""

    promise = models.ForeignKey(Promise, on_delete=models.CASCADE, related_name="links")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="promise_links")
    place = models.CharField("where it appears", max_length=200)
    checked_wording = models.TextField(editable=False)
    checked_value = models.CharField(max_length=100, blank=True, editable=False)
    # Who last said the place says the promise's wording, and when (None: as linked).
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["promise", "task__name", "id"]
        constraints = [
            # One task repeats a promise in one entry: where it appears lists each place.
            models.UniqueConstraint(fields=["promise", "task"], name="promise_link_once_per_task"),
        ]

    def __str__(self) -> str:
        return f"{self.promise} in {self.task} ({self.place})"

    @property
    def is_up_to_date(self) -> bool:
        return (
            self.checked_wording == self.promise.wording
            and self.checked_value == self.promise.value
        )
