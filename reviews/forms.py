from django import forms

from config.form_fields import MultilineField
from ownership.forms import PersonField, RhythmField
from reviews.models import Outcome
from tasks_registry.models import Criticality, Stage

DECISIONS = [(o.value, o.label) for o in Outcome if o != Outcome.PENDING]


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
