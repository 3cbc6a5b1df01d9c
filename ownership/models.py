"""Who is accountable: teams, people, and each person's part in a task."""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tasks_registry.models import Criticality, Task


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

    # Bumped by every change through ownership.people_changes.update_team (config/merging.py).
    version = models.PositiveIntegerField(default=1, editable=False)

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
        on = on or timezone.localdate()
        return self.departed_on is not None and self.departed_on <= on

    def is_away(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.away_until is not None and self.away_until >= on


class Reach(models.TextChoices):
    """How a person wants Ownermap's notices: they choose it on their own page."""

    EMAIL = "email", "Each notice by email"
    DIGEST = "digest", "Only the weekly digest by email (escalations still come)"
    # While the chat is set up and their chat user known; by email otherwise (ownership/chat).
    CHAT = "chat", "Each notice as a direct message in Slack, with buttons (email if it fails)"


SLACK_USER_ID = RegexValidator(
    r"^[UW][A-Z0-9]{2,31}$",
    "A Slack user id starts with U or W, then capital letters and digits, e.g. U0123ABCD.",
)


class Person(Presence, models.Model):
    """Someone in the map. May have a login; may be away for a while or have left."""

    name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    title = models.CharField("role title", max_length=150, blank=True)
    chat_handle = models.CharField(max_length=100, blank=True, help_text="e.g. @priya")
    # Found by their email (manage.py link_slack_users) or set by an ops lead: a lookup in Slack
    # mentions them, and their notices can reach them there (ownership/chat).
    slack_user_id = models.CharField(
        "Slack user id",
        max_length=32,
        blank=True,
        validators=[SLACK_USER_ID],
        help_text="e.g. U0123ABCD",
    )
    # Set while the company's identity provider keeps this person (SCIM, ownership/identity):
    # the name it knows them by, and its own id for them.
    scim_user_name = models.CharField("SCIM user name", max_length=254, blank=True, editable=False)
    scim_external_id = models.CharField(
        "SCIM external id", max_length=255, blank=True, editable=False
    )
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
    reach = models.CharField(
        "notices by", max_length=10, choices=Reach.choices, default=Reach.EMAIL
    )
    # Set when the team or title changes: what they own was given to them in their old role.
    role_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by every change through ownership.people_changes.update_person: a form saved from
    # an older version is merged with what was saved since (config/merging.py).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "people"
        constraints = [
            # Case-insensitive: Priya@Shop.com and priya@shop.com are one person.
            models.UniqueConstraint(Lower("email"), name="person_email_unique_ci"),
            models.UniqueConstraint(
                fields=["slack_user_id"],
                condition=~models.Q(slack_user_id=""),
                name="person_slack_user_unique",
            ),
            models.UniqueConstraint(
                Lower("scim_user_name"),
                condition=~models.Q(scim_user_name=""),
                name="person_scim_user_name_unique_ci",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


def scim_user_name_is(user_name: str) -> models.Q:
    """People with this SCIM user name, in any case: as the unique index compares them, so
    that the index finds them (a provider asks before each change)."""
    return models.Q(Exact(Lower("scim_user_name"), user_name.lower())) & ~models.Q(
        scim_user_name=""
    )


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


def _copied_person() -> "models.ForeignKey[Person | None]":
    """A person copied into derived data: no constraint to check, no index to keep (their
    assignments keep them from being deleted)."""
    return models.ForeignKey(
        Person,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


class GapFacts(models.Model):
    """What the gap rules read of one task, in one narrow row: its people (owner and since
    when, backup, how many help, whether they come from two teams or more) and its own facts
    (copied from the task, its stage and its completions). Derived data, kept by
    ownership.gap_facts on every change of a task, an assignment, a person, a stage or a
    completion: the rules read 16 MB at 100,000 tasks instead of the tasks' 76 MB and a
    grouping of every assignment, and the report comes back already ranked. Dates stay dates:
    what depends on the day (overdue, stale, unattested, away, departed) is compared when a
    report is asked for."""

    task = models.OneToOneField(
        Task, primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    is_active = models.BooleanField(default=True)
    criticality = models.CharField(max_length=20, choices=Criticality.choices)
    stage_order = models.PositiveSmallIntegerField(default=0)
    # The name as the report ranks it: lower case, compared character by character.
    name_key = models.TextField()
    vague = models.BooleanField(default=False)  # ownership.vagueness.is_vague
    no_rhythm = models.BooleanField(default=False)
    next_due_on = models.DateField(null=True)
    # A completion (or skip) is recorded for next_due_on.
    due_done = models.BooleanField(default=False)
    # Its last confirmation in a review or by attestation, else when it was added.
    confirmed_on = models.DateTimeField()
    attested_at = models.DateTimeField(null=True)
    owner = _copied_person()
    owner_confirmed_at = models.DateTimeField(null=True)
    backup = _copied_person()
    # People who do or check the work (gap_facts.HELPER_ROLES).
    helpers = models.PositiveIntegerField(default=0)
    cross_team = models.BooleanField(default=False)
    # How far its metric's latest value is off target (Metric.off_by); None when on target.
    metric_off = models.FloatField(null=True)
    # How many of the promises it repeats changed since its place was last confirmed to say them.
    promises_unchecked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            # An owner's load of active critical tasks, counted for a page of details.
            models.Index(
                fields=["owner"],
                condition=models.Q(is_active=True, criticality=Criticality.CRITICAL),
                name="gap_facts_critical_owner_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"task {self.task_id}: owner {self.owner_id}, backup {self.backup_id}"


class StepRole(models.TextChoices):
    """Who an escalation step reaches (ownership/escalation.py resolves each to a person)."""

    OWNER = "owner", "Acting owner"
    BACKUP = "backup", "Backup"
    ESCALATION = "escalation", "Escalation contact"
    LAST_RESORT = "last_resort", "Answerer of last resort"


class Policy(models.Model):
    """For the tasks of one criticality: who hears when an occurrence slips, and when, and how
    often owners attest their tasks. Without a row, the settings' defaults hold
    (ownership/policies.py, which also writes these)."""

    criticality = models.CharField(max_length=20, choices=Criticality.choices, unique=True)
    # [[role, business days after the occurrence fell overdue], ...], delays increasing.
    steps = models.JSONField(default=list)
    attest_every_days = models.PositiveSmallIntegerField()
    # Bumped by every save: a form saved from an older version is refused, not merged.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"Policy for {self.get_criticality_display().lower()} tasks"


class EscalationStep(models.Model):
    """A step of an overdue occurrence's escalation, reached: who was told, when, and why.
    Unique per occurrence and number, which is what makes the sweep make each step once."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="escalation_steps")
    # The occurrence escalated: the task's oldest one still open when it fell overdue.
    due_on = models.DateField()
    # 1 for the first step; past the policy's last, each weekly repeat counts on.
    number = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=20, choices=StepRole.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="escalations")
    reached_on = models.DateField()
    because = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "due_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "due_on", "number"], name="escalation_step_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} escalated to {self.person} on {self.reached_on}"


class EscalationPause(models.Model):
    """ "I'm on it — by <date>": the chain of an overdue occurrence waits until that day."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="escalation_pauses")
    due_on = models.DateField()
    until = models.DateField()
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    said_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    said_on = models.DateField()
    # Where they said it: the task's page or My tasks (""), or a button in the chat.
    via = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "due_on", "created_at", "id"]
        indexes = [models.Index(fields=["task", "due_on"], name="escalation_pause_idx")]

    def __str__(self) -> str:
        return f"{self.task}: on it until {self.until}"


class Attestation(models.Model):
    """An owner's word that a task, its backup, its rhythm and its definition of done are still
    right ("still mine"), or that something is wrong with it, with their note for the ops
    leads. Written by ownership/attestation.py."""

    class Via(models.TextChoices):
        MY_TASKS = "my_tasks", "My tasks"
        TASK_PAGE = "task_page", "the task's page"
        EMAIL_LINK = "email_link", "a link in an email"
        CHAT = "chat", "a direct message in Slack"
        PRE_REVIEW = "pre_review", "the pre-review of a review session"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attestations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attestations")
    attested_at = models.DateTimeField()
    is_right = models.BooleanField(default=True)
    note = models.TextField(blank=True)
    via = models.CharField(max_length=20, choices=Via.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-attested_at", "-id"]
        indexes = [models.Index(fields=["task", "attested_at"], name="attestation_task_idx")]

    def __str__(self) -> str:
        word = "still right" if self.is_right else "something is wrong"
        return f"{self.person} on {self.task}: {word}"


class AttestLink(models.Model):
    """A link in an email that lets one person attest a few tasks without signing in: kept as
    a hash (config/secret_tokens.py), good until it expires, and used once."""

    secret_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attest_links")
    task_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Attestation link for {self.person}"


class SearchWord(models.Model):
    """Every word the map's tasks, people and teams use, as written, with its stem: the
    vocabulary a misspelt search word is corrected against (trigram-indexed on PostgreSQL, see
    migration 0004), before its stem is looked up."""

    word = models.CharField(max_length=64, primary_key=True)
    stem = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class SearchTerm(models.Model):
    """A term of the index (a stem, or two neighbouring stems joined by "~") with the number of
    active tasks that hold it: the document frequency that tells a rare word from a common one.

    The row whose term is "" holds the number of active tasks. Kept by ownership.lookup.index
    together with the postings, in the same transaction.
    """

    term = models.CharField(max_length=130, primary_key=True)
    tasks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term or '(all tasks)'}: {self.tasks}"


class MatchField(models.IntegerChoices):
    """Where in a task a term was found, best first: a posting names the best place."""

    NAME = 1, "name"
    ALIAS = 2, "alias"
    LEARNED = 3, "people also call this"
    DONE = 4, "definition of done"
    SYSTEMS = 5, "systems"
    METRIC = 6, "metric"
    PEOPLE = 7, "people"
    DESCRIPTION = 8, "description"
    PROMISE = 9, "promise it owns"


class SearchPosting(models.Model):
    """One term of one active task, with its weight there (BM25F: the term's count in each
    field, times the field's weight, normalised for the field's length and saturated).

    The lookup's inverted index, kept by ownership.lookup.index: ranking is then an indexed
    scan of the query's terms and a sum of weight * the term's rarity, on PostgreSQL and SQLite.
    """

    word = models.CharField(max_length=130)
    # Derived data, rebuilt by reindex_tasks, and joined to active tasks whenever it is read:
    # neither a foreign-key constraint (PostgreSQL checked each of a 100,000-task map's five
    # million postings at commit) nor an index of its own (the unique (task, word) index leads
    # with the task). Django still deletes a task's postings with the task.
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    weight = models.FloatField()
    field = models.PositiveSmallIntegerField(choices=MatchField.choices, default=MatchField.NAME)
    # Copied from the task so that ranking needs no join: 0 critical, 1 high, 2 normal.
    criticality_rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["word", "task"]
        constraints = [
            models.UniqueConstraint(fields=["task", "word"], name="search_posting_once"),
        ]
        # The index on `word` that lookups scan is made per database in migration 0004.

    def __str__(self) -> str:
        return f"{self.word} → task {self.task_id} ({self.weight:.2f})"


class SearchSynonym(models.Model):
    """An entry of the lookup's thesaurus: words people type, and what they mean in the map's
    words. Two-way entries are the same thing said differently (basket, cart); one-way entries
    lead from a symptom to the task's vocabulary ("wismo" → order tracking) and not back.

    Built-in entries come from ownership/data/thesaurus.txt; an ops lead may remove them (they
    stay removed when the list is synced again) and add their own.
    """

    words = models.CharField(max_length=100, help_text="What people type, e.g. “wismo”.")
    means = models.TextField(
        help_text="What it means in the map's words, one per line, e.g. “order tracking”."
    )
    two_way = models.BooleanField(
        default=False,
        help_text="The same thing said differently: each side finds the other.",
    )
    built_in = models.BooleanField(default=False, editable=False)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["words", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("words"),
                condition=models.Q(is_active=True),
                name="search_synonym_words_unique_ci",
                violation_error_message="There is already an entry for these words.",
            ),
        ]

    def __str__(self) -> str:
        arrow = "=" if self.two_way else "→"
        return f"{self.words} {arrow} {'; '.join(self.meaning_list)}"

    @property
    def meaning_list(self) -> list[str]:
        return [line.strip() for line in self.means.splitlines() if line.strip()]


class SearchExpansion(models.Model):
    """A thesaurus entry as the ranking reads it: a phrase of stems, and one term it stands
    for, with a weight below 1 (an expansion counts for less than the word typed). Rewritten
    from its entry by ownership.lookup.thesaurus whenever the entry changes."""

    phrase = models.CharField(max_length=300)
    term = models.CharField(max_length=64)
    weight = models.FloatField()
    synonym = models.ForeignKey(SearchSynonym, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["phrase", "term"]
        indexes = [
            # lookup: the expansions of the query's phrases (`phrase = …`).
            models.Index(fields=["phrase"], name="search_expansion_phrase_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.term} ({self.weight})"


class AskedQuestion(models.Model):
    """A question asked of the lookup, by its words, with counts and nothing about who asked:
    the unanswered ones (nothing found, or nothing opened) are shown to ops leads."""

    words = models.CharField(max_length=200, unique=True)
    asked = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0, help_text="Times it had at least one answer.")
    opened = models.PositiveIntegerField(default=0, help_text="Times an answer was opened.")
    first_asked_on = models.DateField()
    last_asked_on = models.DateField()
    # Set when an ops lead answered it (made its words an alias) or set it aside.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-asked", "words"]
        indexes = [
            # The dashboard's card: open questions, most asked first.
            models.Index(fields=["closed_at", "-asked"], name="asked_question_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.words} (asked {self.asked} times)"


class PhraseStatus(models.TextChoices):
    LEARNING = "learning", "Learning"
    LEARNED = "learned", "People also call it this"
    PROMOTED = "promoted", "Made an alias"
    DISMISSED = "dismissed", "Removed"


class TaskPhrase(models.Model):
    """Words people searched with before opening this task. Once enough different people
    have, the words find the task like an alias, until an ops lead promotes or removes them."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="phrases")
    words = models.CharField(max_length=200)
    pickers = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=PhraseStatus.choices, default=PhraseStatus.LEARNING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["task", "-pickers", "words"]
        constraints = [
            models.UniqueConstraint(fields=["task", "words"], name="task_phrase_once"),
        ]

    def __str__(self) -> str:
        return f"{self.words} → {self.task}"


class Pick(models.Model):
    """One person opening a task after searching with a phrase, to count different people.

    `picker` is a keyed hash of the person and the phrase: it tells two picks of the same
    phrase by the same person apart from two people's, and nothing else — the same person's
    picks of different phrases do not share a value, and no user id is kept.
    """

    phrase = models.ForeignKey(TaskPhrase, on_delete=models.CASCADE, related_name="picks")
    picker = models.CharField(max_length=64)

    class Meta:
        ordering = ["phrase", "picker"]
        constraints = [
            models.UniqueConstraint(fields=["phrase", "picker"], name="pick_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"pick of {self.phrase}"


class IssuedSecret(models.Model):
    """A revocable secret handed out once: only its hash is stored (config/secret_tokens.py)."""

    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{getattr(self, 'name', '')} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ApiToken(IssuedSecret):
    """A revocable key for /api/whoowns, for a chat bot or a storefront admin to ask with.

    Only a hash is stored; the token itself is shown once, when it is issued.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. “Slack bot”.")

    class Meta(IssuedSecret.Meta):
        verbose_name = "API token"


class ScimToken(IssuedSecret):
    """The key an identity provider sends to /scim/v2/ to add, change and deactivate people.
    It acts as no one's account: what it changes is recorded as the provider's doing."""

    name = models.CharField(
        max_length=100, help_text="Which identity provider uses it, e.g. “Okta”."
    )
    prefix = models.CharField(max_length=16, editable=False)  # "omscim_" and six more

    class Meta(IssuedSecret.Meta):
        verbose_name = "SCIM token"


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
    # The secret's last characters: what a calendar app shows of a subscribed address is its
    # end, so that is what the list must show for someone to tell their feeds apart.
    ends_with = models.CharField(max_length=8, blank=True, editable=False)
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


class ApplyState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Not imported"


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


class ImportJob(models.Model):
    """Applying an upload, as a job off the request (ownership/jobs.py): where it is, for the
    page that polls it. A row of its own, not the upload's: the import locks the upload's row
    for its whole transaction, and the progress is written meanwhile (sheets/uploads.py).
    Done is the upload's applied_at; failed says why (and which rows, for a conflict)."""

    upload = models.OneToOneField(MapImport, on_delete=models.CASCADE, related_name="job")
    state = models.CharField(max_length=10, choices=ApplyState.choices)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    error = models.TextField(blank=True)
    conflicts = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.upload}: {self.get_state_display()}"


class SlackRequest(models.Model):
    """A signed request from Slack, kept while its timestamp may still be accepted: the same
    signature again is a replay (ownership/chat/slack/signing.py)."""

    signature = models.CharField(max_length=80, unique=True)
    received_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.signature[:16]}… at {self.received_at:%H:%M:%S}"


class DraftStatus(models.TextChoices):
    OPEN = "open", "Open"
    PUBLISHED = "published", "Published"
    DISCARDED = "discarded", "Discarded"


class Draft(models.Model):
    """A reorganisation prepared out of sight: a named set of pending changes to people's parts
    in tasks, their teams and titles, and tasks' stages and criticality, published at once
    (ownership/drafts.py). Private to its author until shared with the map's editors for
    comments."""

    name = models.CharField(max_length=100)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drafts"
    )
    status = models.CharField(max_length=10, choices=DraftStatus.choices, default="open")
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ownership:draft_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status == DraftStatus.OPEN


class DraftChange(models.Model):
    """One pending change of a draft, with what the live map held when it was made (`base`):
    publishing refuses it if the map has moved on from that since. One per thing changed (its
    `key`): changing it again in the draft replaces it."""

    class Kind(models.TextChoices):
        KEY_ROLE = "key_role", "Owner or backup"
        PART = "part", "Another part in a task"
        PERSON = "person", "A person's team or title"
        TASK = "task", "A task's stage or criticality"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="changes")
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The role, or the field changed ("team", "title", "stage", "criticality").
    field = models.CharField(max_length=20)
    value = models.JSONField(null=True)
    base = models.JSONField(null=True)
    made_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["made_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "key"], name="draft_change_once_per_thing"),
        ]

    def __str__(self) -> str:
        return f"{self.draft}: {self.key}"


class DraftComment(models.Model):
    """What someone reading a shared draft said of it."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.draft}"
