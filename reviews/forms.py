from django import forms

from config.form_fields import MultilineField
from ownership.attestation import NOTE_MAX
from ownership.forms import PersonField, RhythmField
from reviews.models import Outcome
from tasks_registry.forms import MetricValueField
from tasks_registry.models import Criticality, Metric, Stage

DECISIONS = [(o.value, o.label) for o in Outcome if o != Outcome.PENDING]
# One button, and one key, for each: the runner's shortcuts (static/js/ownermap.js).
KEYS = {
    Outcome.CONFIRMED: "C",
    Outcome.CHANGED: "H",
    Outcome.RETIRED: "R",
    Outcome.GAP_LEFT_OPEN: "G",
}
OUTCOME_BUTTONS = [(value, label, KEYS[Outcome(value)]) for value, label in DECISIONS]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the session decided."},
    )
    note = MultilineField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when a gap is left open: who closes it, and how.",
    )

    def __init__(self, *args, metric: Metric | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if metric is not None:
            # Recorded with the outcome: the meeting reads the number off the report.
            self.fields["metric_value"] = MetricValueField(
                metric=metric, required=False, label=f"{metric.name} now"
            )
            self.fields[
                "metric_value"
            ].help_text = f"Optional, in {metric.get_unit_display()}; target {metric.target_words}."


class MissingTaskForm(forms.Form):
    """A task the map was missing, with what it needs not to be a gap straight away."""

    name = forms.CharField(max_length=200)
    stage = forms.ModelChoiceField(queryset=Stage.objects.all(), empty_label=None)
    criticality = forms.ChoiceField(choices=Criticality.choices, initial=Criticality.NORMAL)
    owner = PersonField(required=False, help_text="Leave empty if nobody owns it yet.")
    rhythm = RhythmField(
        label="Deadline rhythm",
        required=False,
        help_text="e.g. “weekly on monday”, “2 business days before each campaign”, “ad hoc”.",
    )
    definition_of_done = MultilineField(
        label="Definition of done",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One checkable line each: what a second person could verify.",
    )


class FollowUpForm(forms.Form):
    on = forms.DateField(
        label="Follow-up on",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"required": "Choose the day of the follow-up.", "invalid": "Enter a date."},
    )


class PreReviewForm(forms.Form):
    """An owner's word on each of their tasks in a session: still right, or what is wrong."""

    SAY = [("right", "Still right"), ("wrong", "Something is wrong")]

    def __init__(self, *args, tasks, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tasks = tasks
        for task in tasks:
            self.fields[f"say_{task.pk}"] = forms.ChoiceField(
                label=task.name, choices=self.SAY, widget=forms.RadioSelect, required=False
            )
            self.fields[f"note_{task.pk}"] = forms.CharField(
                label=f"What is wrong with “{task.name}”",
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if task.metric is not None:
                self.fields[f"value_{task.pk}"] = MetricValueField(
                    metric=task.metric, required=False, label=f"{task.metric.name} now"
                )
                self.fields[f"value_{task.pk}"].help_text = (
                    f"Optional, in {task.metric.get_unit_display()}; "
                    f"target {task.metric.target_words}."
                )

    def clean(self):
        data = super().clean() or {}
        for task in self.tasks:
            note = data.get(f"note_{task.pk}", "").strip()
            if data.get(f"say_{task.pk}") == "wrong" and not note:
                self.add_error(f"note_{task.pk}", "Say what is wrong: the ops leads read it.")
        said = any(
            data.get(f"say_{task.pk}") or data.get(f"value_{task.pk}") is not None
            for task in self.tasks
        )
        if not said and not self.errors:
            raise forms.ValidationError("Say something of at least one task.")
        return data

    def rows(self):
        return [
            (
                task,
                self[f"say_{task.pk}"],
                self[f"note_{task.pk}"],
                self[f"value_{task.pk}"] if task.metric is not None else None,
            )
            for task in self.tasks
        ]

    def values(self) -> dict:
        """{task: the value of its metric} for those given one."""
        return {
            task: value
            for task in self.tasks
            if (value := self.cleaned_data.get(f"value_{task.pk}")) is not None
        }

    def said(self) -> tuple[list, dict]:
        """(tasks still right, {task: note} of those with something wrong)."""
        right = [t for t in self.tasks if self.cleaned_data.get(f"say_{t.pk}") == "right"]
        wrong = {
            t: self.cleaned_data[f"note_{t.pk}"].strip()
            for t in self.tasks
            if self.cleaned_data.get(f"say_{t.pk}") == "wrong"
        }
        return right, wrong
