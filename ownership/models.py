"""Who is accountable: teams, people, and each person's part in a task."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tasks_registry.models import Task


class Team(models.Model):
    """A department: Marketing, Operations, Customer Service…"""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    lead = models.ForeignKey(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
        help_text="Who to ask when one of this team's tasks has nobody accountable.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Presence:
    """Whether someone is here on a day: for Person, and for the lookup's lighter contacts."""

    away_until: datetime.date | None
    departed_on: datetime.date | None

    def has_departed(self, on: datetime.date | None = None) -> bool:
        on = on or datetime.date.today()
        return self.departed_on is not None and self.departed_on <= on

    def is_away(self, on: datetime.date | None = None) -> bool:
        on = on or datetime.date.today()
        return self.away_until is not None and self.away_until >= on


class Person(Presence, models.Model):
    """Someone in the map. May have a login; may be away for a while or have left."""

    name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    title = models.CharField("role title", max_length=150, blank=True)
    chat_handle = models.CharField(max_length=100, blank=True, help_text="e.g. @priya")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    away_until = models.DateField(
        null=True, blank=True, help_text="Last day away; the backup acts until then."
    )
    departed_on = models.DateField(null=True, blank=True, help_text="Day the person left.")
    # Set when the team or title changes: what they own was given to them in their old role.
    role_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "people"
        constraints = [
            # Case-insensitive: Priya@Shop.com and priya@shop.com are one person.
            models.UniqueConstraint(Lower("email"), name="person_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    BACKUP = "backup", "Backup"
    CONTRIBUTOR = "contributor", "Contributor"
    CHECKER = "checker", "Checker"
    ESCALATION = "escalation", "Escalation"
    CONSULTED = "consulted", "Consulted"
    INFORMED = "informed", "Informed"


class Assignment(models.Model):
    """A person's part in a task. RACI is a view of this table (owner = A, contributors = R)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    # PROTECT: people leave by being marked departed, so their past ownership stays readable.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # When this person took this role, or was last confirmed in it after changing their own
    # role: an owner whose role changed after this is flagged until someone decides.
    confirmed_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["task", "role", "person__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=models.Q(role="owner"),
                name="assignment_one_owner_per_task",
                violation_error_message="This task already has an owner.",
            ),
            models.UniqueConstraint(
                fields=["task"],
                condition=models.Q(role="backup"),
                name="assignment_one_backup_per_task",
                violation_error_message="This task already has a backup.",
            ),
            # A person can be owner or backup of a task, never both: the backup must be
            # someone who can act when the owner cannot.
            models.UniqueConstraint(
                fields=["task", "person"],
                condition=models.Q(role__in=["owner", "backup"]),
                name="assignment_owner_is_not_backup",
                violation_error_message="The owner cannot also be the backup.",
            ),
            models.UniqueConstraint(
                fields=["task", "person", "role"],
                name="assignment_unique_task_person_role",
                violation_error_message="This person already has that role on this task.",
            ),
        ]
        indexes = [
            # "What does Alice own?": the person page and the overload rule.
            models.Index(fields=["person", "role"], name="assignment_person_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()} of {self.task}"


class SearchWord(models.Model):
    """Every word the map's tasks, people and teams use: the vocabulary a misspelt search word
    is corrected against (trigram-indexed on PostgreSQL, see migration 0004)."""

    word = models.CharField(max_length=64, primary_key=True)

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class SearchPosting(models.Model):
    """One word of one active task, with the weight of the best place it appears in.

    The lookup's inverted index, kept by ownership.search_index: finding and scoring tasks is
    then a prefix range scan and a sum of small integers, on PostgreSQL and SQLite alike.
    """

    word = models.CharField(max_length=64)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    weight = models.PositiveSmallIntegerField()
    # Copied from the task so that ranking needs no join: 0 critical, 1 high, 2 normal.
    criticality_rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["word", "task"]
        constraints = [
            models.UniqueConstraint(fields=["task", "word"], name="search_posting_once"),
        ]
        # The prefix index on `word` that lookups scan is made per database in migration 0004.

    def __str__(self) -> str:
        return f"{self.word} → task {self.task_id} ({self.weight})"


class ApiToken(models.Model):
    """A revocable key for /api/whoowns, for a chat bot or a storefront admin to ask with.

    Only a hash is stored; the token itself is shown once, when it is issued.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “Slack bot”.")
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CalendarFeed(models.Model):
    """A private iCalendar address for one person's or one team's due dates, that a calendar
    app subscribes to without signing in. Only a hash of its secret is stored; the address is
    shown once, when it is made, and stops working when revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds"
    )
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(person__isnull=False, team__isnull=True)
                    | models.Q(person__isnull=True, team__isnull=False)
                ),
                name="calendar_feed_of_a_person_or_a_team",
                violation_error_message="A calendar feed is of one person or of one team.",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar of {self.subject} ({self.prefix}…)"

    @property
    def subject(self) -> "Person | Team":
        return self.person if self.person_id else self.team

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class MapImport(models.Model):
    """A spreadsheet uploaded to import: kept from its dry run until it is applied, so the
    rows applied are exactly the rows previewed, and kept after as the record of the import."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="map_imports"
    )
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # The dry run's figures and problems (ownership.sheets.plan.ImportPlan.as_json()).
    preview = models.JSONField(default=dict)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%d %b %Y %H:%M})"
