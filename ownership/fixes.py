"""The fixes a gap offers, as forms: each parses what was typed and makes the change through
the write functions. A gap rule names the fixes it offers (ownership/gap_rules.py); the
dashboard, the task page and a review item show them with one partial (ownership/_fix.html)
and answer them with one view helper (ownership/fix_in_place.py).

A fix form knows where it stands on its page (its id, where it posts, what it swaps on success
and the page's state to keep), so that the partial needs nothing else to draw it."""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Protocol

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html_join

from config import direct_widgets
from config.form_fields import MultilineField
from ownership.assignments import assign_backup, assign_owner, confirm_owner
from ownership.forms import PersonField, RhythmField, type_ahead
from tasks_registry.changes import update_task_merging
from tasks_registry.models import Task


class FixedTask(Protocol):
    """What a fix form reads of the task it fixes: a Task, or a row of the gap report."""

    name: str
    version: int
    definition_of_done: str
    rhythm: str


class Owner(Protocol):
    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class FieldView:
    label: str
    id: str
    html: str
    is_textarea: bool
    help_text: str
    errors: str


@dataclass(frozen=True)
class FixView:
    """A fix form as ownership/_fix.html draws it, read once. A template asking a Form for an
    attribute first tries it as a field name, which fails with a formatted KeyError: a few
    dozen such lookups per form made the dashboard's eighty forms 20 ms slower."""

    form_id: str
    kind: str
    action: str
    target: str
    keep: list[tuple[str, str]]
    hidden: str
    hidden_errors: str
    fold: str
    unfolded: bool
    compact: bool
    fields: list[FieldView]
    submit_label: str
    suggestions: str
    errors: str


class Fix(forms.Form):
    """One fix in place. Subclasses say what they change and how it reads on the button."""

    kind: ClassVar[str]  # its name in URLs: /fix/<kind>
    # The field typed in, if any, and its label: short where one task is on the page (a review
    # item), naming the task where many are (a compact page, where labels are not seen).
    field_name: ClassVar[str] = ""
    short_label: ClassVar[str] = ""
    long_label: ClassVar[str] = ""
    # On a compact page (the dashboard's table) a long field folds away behind this summary.
    fold: ClassVar[str] = ""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        task: FixedTask,
        owner: Owner | None,
        form_id: str,
        action: str,
        target: str,
        keep: Mapping[str, str] | None = None,
        compact: bool = False,
    ) -> None:
        super().__init__(data, auto_id=f"{form_id}-%s", initial=self.initial_from(task))
        self.placement: dict[str, Any] = {
            "task": task,
            "owner": owner,
            "form_id": form_id,
            "action": action,
            "target": target,
            "keep": keep,
            "compact": compact,
        }
        self.task, self.owner = task, owner
        if self.field_name:
            label = self.long_label.format(task=task.name) if compact else self.short_label
            self.fields[self.field_name].label = label
        self.form_id, self.action, self.target = form_id, action, target
        self.keep = dict(keep or {})
        self.compact = compact

    @classmethod
    def initial_from(cls, task: FixedTask) -> dict[str, Any]:
        return {}

    def rebound(self, data: Mapping[str, Any]) -> "Fix":
        """The same fix, in the same place, filled with other data."""
        return type(self)(data, **self.placement)

    @classmethod
    def offered(cls, row: Any) -> bool:
        """Whether this fix makes sense for the task as the gap report saw it."""
        return True

    @property
    def submit_label(self) -> str:
        raise NotImplementedError

    @property
    def suggestions(self) -> str:
        """The id of the <datalist> that suggestions fill as the field is typed in, if any."""
        return ""

    @cached_property
    def view(self) -> FixView:
        hidden = self.hidden_fields()
        return FixView(
            form_id=self.form_id,
            kind=self.kind,
            action=self.action,
            target=self.target,
            keep=list(self.keep.items()),
            hidden=format_html_join("", "{}", ((field,) for field in hidden)),
            hidden_errors=" ".join(str(error) for field in hidden for error in field.errors),
            fold=self.fold if self.compact else "",
            unfolded=self.is_bound,
            compact=self.compact,
            fields=[
                FieldView(
                    label=str(field.label),
                    id=field.auto_id,
                    html=str(field),
                    is_textarea=isinstance(field.field.widget, forms.Textarea),
                    help_text=str(field.help_text),
                    errors=" ".join(str(error) for error in field.errors),
                )
                for field in self.visible_fields()
            ],
            submit_label=self.submit_label,
            suggestions=self.suggestions,
            errors=" ".join(str(error) for error in self.non_field_errors()),
        )

    def save(self, *, task: Task, by: AbstractBaseUser | None) -> str:
        """Make the change; the notice that says it was made. Raises ValidationError or
        StaleEdit when the write function refuses."""
        raise NotImplementedError

    def conflict_message(self, current: Task) -> str:
        return (
            "Someone else changed this task while you were typing; it shows their version "
            "now. Your text is kept below: save again to replace theirs."
        )


@functools.lru_cache(maxsize=8)
def _suggestions_url(script_prefix: str) -> str:
    """Where suggestions come from, reversed once per prefix: the dashboard draws dozens of
    these forms."""
    return reverse("ownership:people_suggest")


class _PersonFix(Fix):
    person = PersonField(
        widget=direct_widgets.TextInput(
            attrs={"autocomplete": "off", "placeholder": "Name or email"}
        )
    )
    field_name = "person"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        # Suggestions as the name is typed: ownership/_people_options.html fills the datalist.
        field.widget.attrs.update(
            type_ahead(_suggestions_url(get_script_prefix()), f"{self.form_id}-people")
        )

    @property
    def suggestions(self) -> str:
        return f"{self.form_id}-people"


class OwnerFix(_PersonFix):
    kind = "owner"
    short_label = "Owner"
    long_label = "New owner for {task}"

    @property
    def submit_label(self) -> str:
        return "Hand over" if self.owner else "Assign owner"

    def save(self, *, task: Task, by: AbstractBaseUser | None) -> str:
        person = self.cleaned_data["person"]
        assign_owner(task=task, person=person, by=by)
        return f"{person.name} now owns “{task.name}”."


class BackupFix(_PersonFix):
    kind = "backup"
    short_label = "Backup"
    long_label = "Backup for {task}"
    submit_label = "Set backup"

    def save(self, *, task: Task, by: AbstractBaseUser | None) -> str:
        person = self.cleaned_data["person"]
        assign_backup(task=task, person=person, by=by)
        return f"{person.name} is now the backup for “{task.name}”."


class KeepOwnerFix(Fix):
    """The owner changed title or team: they may stay accountable, which clears the flag."""

    kind = "keep-owner"

    @classmethod
    def offered(cls, row: Any) -> bool:
        return bool(row.owner_role_changed_at and row.owner and not row.owner.departed_on)

    @property
    def submit_label(self) -> str:
        return f"Keep {self.owner.name} as owner" if self.owner else "Keep the owner"

    def save(self, *, task: Task, by: AbstractBaseUser | None) -> str:
        owner = confirm_owner(task=task, by=by)
        return f"{owner.person.name} stays the owner of “{task.name}”."


class _TaskFieldFix(Fix):
    """Edits one of the task's own fields, refused if someone saved the task meanwhile."""

    version = forms.IntegerField(widget=direct_widgets.HiddenInput, min_value=1)

    @classmethod
    def initial_from(cls, task: FixedTask) -> dict[str, Any]:
        return {"version": task.version, cls.field_name: getattr(task, cls.field_name)}

    def conflict_message(self, current: Task) -> str:
        # One line each, kept apart in a sentence: a checklist must not read as one run-on line.
        lines = [line.strip() for line in (getattr(current, self.field_name) or "").splitlines()]
        value = " / ".join(line for line in lines if line) or "(empty)"
        return (
            "Someone else changed this task while you were typing. Its "
            f"{self.short_label.lower()} now reads: “{value}”. Your text is kept below: "
            "save again to replace theirs."
        )


class DefinitionOfDoneFix(_TaskFieldFix):
    kind = "done"
    field_name = "definition_of_done"
    short_label = "Definition of done"
    long_label = "Definition of done for {task}"
    fold = "Edit definition of done"
    submit_label = "Save"
    definition_of_done = MultilineField(
        widget=direct_widgets.Textarea(attrs={"rows": 3}),
        help_text="One checkable line each: what a second person could verify.",
        max_length=5000,
    )

    def save(self, *, task: Task, by: AbstractBaseUser | None) -> str:
        update_task_merging(
            task=task,
            by=by,
            expected_version=self.cleaned_data["version"],
            definition_of_done=self.cleaned_data["definition_of_done"].strip(),
        )
        return f"The definition of done of “{task.name}” is saved."


class RhythmFix(_TaskFieldFix):
    kind = "rhythm"
    field_name = "rhythm"
    short_label = "Deadline rhythm"
    long_label = "Deadline rhythm for {task}"
    submit_label = "Set rhythm"
    rhythm = RhythmField(
        label="Deadline rhythm",
        widget=direct_widgets.TextInput(attrs={"placeholder": "e.g. weekly on monday"}),
    )

    def save(self, *, task: Task, by: AbstractBaseUser | None) -> str:
        saved = update_task_merging(
            task=task,
            by=by,
            expected_version=self.cleaned_data["version"],
            rhythm=self.cleaned_data["rhythm"],
        )
        return f"“{task.name}” now falls due {saved.rhythm or 'with no rhythm'}."


FIXES: dict[str, type[Fix]] = {
    fix.kind: fix for fix in (OwnerFix, BackupFix, KeepOwnerFix, DefinitionOfDoneFix, RhythmFix)
}
