"""Forms for editing the map: they parse and check input; the write functions do the rest."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse_lazy

from config.form_fields import MultilineField
from ownership.assignments import KEEP, REMOVE
from ownership.map_changes import ChangeFilters, Kind
from ownership.models import SLACK_USER_ID, Person, Reach, Role, StepRole, Team
from ownership.people_changes import find_person
from ownership.policies import MAX_ATTEST_EVERY_DAYS, MAX_DELAY_DAYS, MAX_STEPS, Rules, step_field
from ownership.sheets.files import too_large
from tasks_registry import rhythms
from tasks_registry.completions import SKIP_REASON_MAX
from tasks_registry.forms import MetricValueField, RhythmPickerForm
from tasks_registry.models import Criticality, Metric, Promise, PromiseKind, Stage, Task


class PersonField(forms.CharField):
    """A person typed as "Name <email>", an email, or a name only one person has."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "off", "placeholder": "Name or email"}),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        return find_person(text)


class VersionedForm(forms.Form):
    """Carries the version of the task the form was filled from (no lost updates)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RhythmField(forms.CharField):
    """A rhythm typed in words (or pasted as an RRULE); cleans to its canonical words."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", rhythms.english.MAX_LENGTH)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return rhythms.normalise(text or "")
        except rhythms.RhythmError as error:
            raise ValidationError(str(error), code="rhythm") from None


class TaskForm(RhythmPickerForm, VersionedForm):
    """Create or edit a task's own fields, the rhythm through the picker. A new task has no
    version: it is not required."""

    name = forms.CharField(max_length=200)
    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), empty_label=None)
    # Most work is normal: a new task starts there, not at the top of the list.
    criticality = forms.ChoiceField(choices=Criticality.choices, initial=Criticality.NORMAL)
    definition_of_done = MultilineField(
        label="Definition of done",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One checkable line each: what a second person could verify.",
    )
    description = MultilineField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    aliases = MultilineField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The words people search with, one per line.",
    )
    systems = MultilineField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="ERP, PIM, CMS, WMS…, one per line.",
    )
    patterns = MultilineField(
        label="Patterns",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "URLs, promo codes, SKUs, email templates or error codes this task owns, one per "
            "line: /checkout/*, SUMMER*, FH-10*. * is any characters."
        ),
    )
    metric = forms.ModelChoiceField(
        label="Operational metric",
        queryset=Metric.objects.all(),
        required=False,
        empty_label="None",
        help_text="The number this task keeps healthy. Ops leads add metrics on the Metrics page.",
    )

    FIELDS = (
        "name",
        "stage",
        "criticality",
        "rhythm",
        "definition_of_done",
        "description",
        "aliases",
        "patterns",
        "systems",
        "metric",
    )
    HEAD = ("name", "stage", "criticality")
    DETAILS = ("definition_of_done", "description", "aliases", "patterns", "systems", "metric")

    def __init__(self, *args, creating: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].required = not creating

    @classmethod
    def initial_for(cls, task: Task) -> dict:
        initial = {name: getattr(task, name) for name in cls.FIELDS if name != "rhythm"}
        initial |= RhythmPickerForm.initial_for(task.rhythm)
        initial["version"] = task.version
        return initial

    def head_fields(self) -> list:
        return [self[name] for name in self.HEAD]

    def detail_fields(self) -> list:
        return [self[name] for name in self.DETAILS]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class AssignmentForm(forms.Form):
    """Give someone a part in a task; a new owner or backup replaces the one there."""

    role = forms.ChoiceField(choices=Role.choices)
    person = PersonField()
    # Set when the person confirmed replacing the owner or backup (ownership.assignments
    # .replacement), and, for a swap, what becomes of the one replaced.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    previous = forms.ChoiceField(
        choices=[(KEEP, "keeps the other role"), (REMOVE, "leaves the task")], required=False
    )


class PersonForm(forms.Form):
    name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    title = forms.CharField(label="Role title", max_length=150, required=False)
    chat_handle = forms.CharField(max_length=100, required=False)
    slack_user_id = forms.CharField(
        label="Slack user id",
        max_length=32,
        required=False,
        validators=[SLACK_USER_ID],
        help_text="Found by their email by manage.py link_slack_users; or, in Slack, their "
        "profile's ⋮ menu, “Copy member ID”.",
    )
    # The version the form was filled from (none for someone new): a save is merged with what
    # was saved since.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    FIELDS = ("name", "email", "team", "title", "chat_handle", "slack_user_id")

    @classmethod
    def initial_for(cls, person: Person) -> dict:
        return {name: getattr(person, name) for name in cls.FIELDS} | {"version": person.version}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class AwayForm(forms.Form):
    away_until = forms.DateField(
        label="Away until (last day away)",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="Leave empty when they are back.",
    )


class DepartedForm(forms.Form):
    departed_on = forms.DateField(
        label="Left on", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = MultilineField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    lead = PersonField(required=False, help_text="Who to ask when nobody owns a task.")
    # The version the form was filled from (none for a new team).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    FIELDS = ("name", "description", "lead")

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class CompletionForm(forms.Form):
    """Confirm one occurrence done: which one, every point of the definition of done ticked,
    and optionally a link to the evidence and a note."""

    due_on = forms.DateField(widget=forms.HiddenInput)
    ticked = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    evidence_url = forms.URLField(
        label="Evidence link",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://… (optional)"}),
    )
    note = MultilineField(required=False, max_length=2000)

    def __init__(self, *args, task: Task, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Offered as typed, so a tick is matched to the line it stands for.
        self.fields["ticked"].choices = [(line, line) for line in task.done_checklist]
        if task.metric is not None:
            self.fields["metric_value"] = MetricValueField(metric=task.metric, required=False)


class SkipForm(forms.Form):
    """Skip, with a reason, every open occurrence of a task due from `first` to `last`: the
    days a grouped backlog showed, so one that fell overdue since is not skipped unseen."""

    first = forms.DateField(widget=forms.HiddenInput)
    last = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=SKIP_REASON_MAX,
        error_messages={"required": "Say why these will not be done: it is kept in the history."},
    )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("first") and data.get("last") and data["first"] > data["last"]:
            self.add_error("last", "The last day comes before the first.")
        return data


class CalendarFeedForm(forms.Form):
    """Whose due dates a new calendar feed carries: your own, or a team's."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="My own tasks"
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text=(
            "CSV or Excel (.xlsx), one row per task, the column names in row 1. Nothing is "
            "written until you have seen the preview and applied it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        error_messages={
            "required": "Choose the spreadsheet to import.",
            "empty": "The submitted file is empty.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        refused = too_large(upload.size, upload.name)  # before it is read into memory
        if refused:
            raise forms.ValidationError(refused)
        return upload


class StarterMapForm(forms.Form):
    stages = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Pick at least one stage to start from."},
    )

    def __init__(self, *args, stages, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stages_by_slug = {stage.slug: stage for stage in stages}
        self.fields["stages"].choices = [(stage.slug, stage.name) for stage in stages]

    def chosen(self) -> list:
        return [self.stages_by_slug[slug] for slug in self.cleaned_data["stages"]]


class SynonymForm(forms.Form):
    """An entry of the lookup's thesaurus, as an ops lead writes it."""

    words = forms.CharField(
        label="When people type",
        max_length=100,
        help_text="A word or short phrase, e.g. “wismo” or “where is my parcel”.",
    )
    means = MultilineField(
        label="they mean",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The map's words for it, one per line, e.g. “order tracking”.",
    )
    two_way = forms.BooleanField(
        label="Two-way: the same thing said differently (each finds the other)",
        required=False,
    )


class AnswerQuestionForm(forms.Form):
    task = forms.CharField(label="Task it is about", max_length=200)


class PauseForm(forms.Form):
    """ "I'm on it — by <date>" for an overdue task's escalation."""

    until = forms.DateField(
        label="Done by",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": "Give the day it will be done by.",
            "invalid": "Give the day as a date, e.g. 2026-12-11.",
        },
    )


class PolicyForm(forms.Form):
    """One criticality's escalation steps (a role and a delay each, in order) and how often its
    owners attest; the version it was filled from, so two ops leads never undo each other."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    attest_every_days = forms.IntegerField(
        label="Owners attest every",
        min_value=1,
        max_value=MAX_ATTEST_EVERY_DAYS,
        help_text="days",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        roles = [("", "—")] + [(role.value, role.label) for role in StepRole]
        for number in range(1, MAX_STEPS + 1):
            self.fields[step_field(number, "role")] = forms.ChoiceField(
                label=f"Step {number}", choices=roles, required=False
            )
            self.fields[step_field(number, "days")] = forms.IntegerField(
                label=f"Step {number}: business days after it fell overdue",
                required=False,
                min_value=0,
                max_value=MAX_DELAY_DAYS,
                error_messages={"min_value": "The delay cannot be negative."},
            )

    @classmethod
    def initial_for(cls, rules: Rules) -> dict:
        initial: dict = {"version": rules.version, "attest_every_days": rules.attest_every_days}
        for number, step in enumerate(rules.steps, start=1):
            initial[step_field(number, "role")] = step.role
            initial[step_field(number, "days")] = step.after_days
        return initial

    @property
    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[step_field(number, "role")], self[step_field(number, "days")])
            for number in range(1, MAX_STEPS + 1)
        ]

    def clean(self) -> dict:
        super().clean()
        steps: list[tuple[str, int]] = []
        ended = 0
        for number in range(1, MAX_STEPS + 1):
            role_field, days_field = step_field(number, "role"), step_field(number, "days")
            if role_field in self.errors or days_field in self.errors:
                continue
            role = self.cleaned_data.get(role_field)
            days = self.cleaned_data.get(days_field)
            if not role:
                if days is not None:
                    self.add_error(role_field, "Pick who this step reaches, or clear its days.")
                ended = ended or number
                continue
            if ended:
                self.add_error(role_field, f"Step {ended} is empty: fill the steps in order.")
            if days is None:
                self.add_error(days_field, "Say how many business days after it fell overdue.")
                continue
            steps.append((role, days))
        self.cleaned_data["steps"] = steps
        return self.cleaned_data


class WrongForm(forms.Form):
    """ "Something is wrong" with a task: a note for the ops leads."""

    note = forms.CharField(
        max_length=2000,
        error_messages={"required": "Say what is wrong: the ops leads read it."},
    )


class ReachForm(forms.Form):
    reach = forms.ChoiceField(
        label="How Ownermap reaches you", choices=Reach.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, chat_ready: bool, **kwargs: Any) -> None:
        """Direct messages are offered once the chat is set up and knows the person."""
        super().__init__(*args, **kwargs)
        if not chat_ready:
            field = cast(forms.ChoiceField, self.fields["reach"])
            field.choices = [
                (value, label) for value, label in Reach.choices if value != Reach.CHAT
            ]


class ChangeFiltersForm(forms.Form):
    """The change log's filters, read from the address: each refused at its field."""

    person = PersonField(
        required=False, help_text="Changes to them, to their part in tasks, or made by them."
    )
    task = forms.ModelChoiceField(
        queryset=Task.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "No task has that address: it may have been renamed."},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), to_field_name="slug", required=False, empty_label="Any team"
    )
    kind = forms.ChoiceField(choices=[("", "Any change"), *Kind.CHOICES], required=False)
    since = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    until = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    FIELDS = ("person", "task", "team", "kind", "since", "until")

    def clean(self) -> dict:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The last day comes before the first.")
        return data

    def filters(self) -> ChangeFilters:
        """The filters, or none at all while any is refused (the page says which)."""
        if not self.is_valid():
            return ChangeFilters()
        data = self.cleaned_data
        return ChangeFilters(
            person=data.get("person"),
            task=data.get("task"),
            team=data.get("team"),
            kind=data.get("kind") or "",
            since=data.get("since"),
            until=data.get("until"),
        )

    def query(self) -> str:
        """The filters as an address's query, to keep them across pages and in the download."""
        kept = QueryDict(mutable=True)
        for name in self.FIELDS:
            value = self.data.get(name)
            if value:
                kept[name] = value
        return kept.urlencode()


def type_ahead(url: Any, options: str) -> dict[str, Any]:
    """A text field's attributes for suggestions as it is typed: htmx asks `url` with what was
    typed so far and fills the <datalist> whose id is `options`."""
    return {
        "list": options,
        "data-hx-get": url,
        "data-hx-trigger": "input changed delay:200ms",
        "data-hx-target": f"#{options}",
        "data-hx-swap": "innerHTML",
        "data-hx-sync": "this:replace",
    }


class TaskField(forms.CharField):
    """A task on the map typed by its name (however spelt), as the type-ahead offers it: the
    tasks its words mean fill the <datalist> named `options` (ownership/_task_options.html)."""

    def __init__(self, *, options: str, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        attrs = {
            "autocomplete": "off",
            "placeholder": "A few of the task's words",
            **type_ahead(reverse_lazy("ownership:task_suggest"), options),
        }
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.name if isinstance(value, Task) else value

    def clean(self, value: Any) -> Task | None:
        text = " ".join((super().clean(value) or "").split())
        if not text:
            return None
        task = Task.objects.filter(name__iexact=text, is_active=True).first()
        if task is None:
            raise ValidationError(
                f"No task on the map is called “{text}”: type a few of its words and pick it "
                "from the list.",
                code="unknown_task",
            )
        return task


class PromiseForm(forms.Form):
    """A promise: what customers are told, its kind and value, and the task accountable for
    it."""

    name = forms.CharField(
        max_length=200, help_text="How the team calls it, e.g. “Delivery within 3 business days”."
    )
    kind = forms.ChoiceField(choices=PromiseKind.choices)
    wording = MultilineField(
        max_length=2000,
        help_text="Word for word, as customers read it.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    value = forms.CharField(
        max_length=100,
        required=False,
        help_text="The figure in it, e.g. “3 business days”, “£50”, “2 pm on 20 Dec”.",
    )
    owning_task = TaskField(
        label="Owning task",
        help_text="The task accountable for the promise.",
        options="owning-task-options",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    FIELDS = ("name", "kind", "wording", "value", "owning_task")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An empty wording or owning task is refused with the write function's own words.
        self.fields["wording"].required = False
        self.fields["owning_task"].required = False

    @classmethod
    def initial_for(cls, promise: Promise) -> dict:
        initial = {name: getattr(promise, name) for name in cls.FIELDS}
        initial["version"] = promise.version
        return initial

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class PromisePlaceForm(forms.Form):
    """A task that repeats the promise, and where."""

    task = TaskField(
        help_text="The task that keeps the place up to date.", options="place-task-options"
    )
    place = forms.CharField(
        label="Where it appears",
        max_length=200,
        help_text="e.g. “order confirmation email”, “FAQ › Shipping”, “checkout banner”.",
    )


class PlaceUpdatedForm(forms.Form):
    """The owner's word that the place says the promise's wording, as of the version shown."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DraftForm(forms.Form):
    name = forms.CharField(
        label="Name of the draft",
        max_length=100,
        help_text="e.g. “Peak season 2027”, “Warehouse team joins operations”.",
    )


class DraftCommentForm(forms.Form):
    text = MultilineField(
        label="Your comment", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
