from collections import Counter
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from ownership.assignments import PAIRED_ROLES, assign, check_can_hold, unassign
from ownership.models import ApiToken, Assignment, IssuedSecret, Person, Role, ScimToken, Team
from ownership.people_changes import (
    PERSON_FIELDS,
    check_email_free,
    check_slack_user_free,
    check_team_name_free,
    create_person,
    create_team,
    link_account,
    update_person,
    update_team,
)
from ownership.tokens import issue_scim_token, issue_token, revoke_token
from tasks_registry.admin import TaskAdmin
from tasks_registry.models import Task


class AssignmentFormSet(BaseInlineFormSet):
    """A task's people as one submitted set, checked as a set before anything is saved:
    assign() sees the database one row at a time, so two new owners in one submission would
    each pass it. Each owner and backup is checked by assign()'s own rule (check_can_hold)."""

    def clean(self) -> None:
        super().clean()
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        roles = Counter(row["role"] for row in rows if row.get("role"))
        for role in (Role.OWNER, Role.BACKUP):
            if roles[role] > 1:
                raise ValidationError(f"A task has at most one {role.label.lower()}.")
        people = {row["role"]: row.get("person") for row in rows if row.get("role")}
        owner, backup = people.get(Role.OWNER), people.get(Role.BACKUP)
        if owner is not None and owner == backup:
            raise ValidationError("The owner cannot also be the backup.")
        triples = Counter((row.get("person"), row.get("role")) for row in rows)
        if any(count > 1 for count in triples.values()):
            raise ValidationError("The same person is listed twice with the same role.")
        for form in self.forms:
            row = form.cleaned_data
            if row and not row.get("DELETE") and row.get("person") and row.get("role"):
                try:
                    check_can_hold(row["person"], row["role"])
                except ValidationError as error:
                    form.add_error("person", error)

    def save_through_write_functions(self, *, by) -> None:
        """Apply the checked set with unassign() and assign(), so the rules, history and
        confirmations are the app's. An owner or backup given to someone else is changed in
        place ("changed the owner from … to …"); any other change is a removal and an
        addition, removals first."""
        task = self.instance
        changed = [form for form in self.forms if form.has_changed() and form.cleaned_data]
        # What formset.save() would have noted, for the admin's log of the change.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        to_assign = []
        # The rows as saved: validating the forms already wrote the new values on their instances.
        as_saved = Assignment.objects.in_bulk(
            [form.instance.pk for form in changed if form.instance.pk]
        )
        for form in changed:
            row, current = form.cleaned_data, as_saved.get(form.instance.pk)
            if row.get("DELETE"):
                if current is not None:
                    unassign(assignment=current, by=by)
                    self.deleted_objects.append(current)
                continue
            in_place = (
                current is not None and current.role == row["role"] and row["role"] in PAIRED_ROLES
            )
            if current is not None and not in_place:
                unassign(assignment=current, by=by)
                self.deleted_objects.append(current)
            to_assign.append((row, form.changed_data if in_place else None))
        for row, changed_fields in to_assign:
            saved = assign(task=task, person=row["person"], role=row["role"], by=by)
            if changed_fields is None:
                self.new_objects.append(saved)
            else:
                self.changed_objects.append((saved, changed_fields))


class AssignmentInline(admin.TabularInline):
    model = Assignment
    formset = AssignmentFormSet
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["role", "person"]


class PersonAssignmentInline(admin.TabularInline):
    """What the person does, to read: their roles are given on each task's page, where one
    submission is one task's whole set of people."""

    model = Assignment
    extra = 0
    fields = ["task", "role"]
    readonly_fields = ["task", "role"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Task)


@admin.register(Task)
class TaskWithAssignmentsAdmin(TaskAdmin):
    inlines = [AssignmentInline]

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, AssignmentFormSet):
            formset.save_through_write_functions(by=request.user)
        else:
            super().save_formset(request, form, formset, change)


class TeamAdminForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "description", "lead"]

    def clean_name(self) -> str:
        try:
            return check_team_name_free(self.cleaned_data["name"], exclude_pk=self.instance.pk)
        except ValidationError as error:
            raise ValidationError(error.message_dict["name"]) from None


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    """Saved by create_team() and update_team(), which make the slug from the name."""

    form = TeamAdminForm
    list_display = ["name", "lead"]
    list_select_related = ["lead"]
    search_fields = ["name", "description"]
    readonly_fields = ["slug"]
    autocomplete_fields = ["lead"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in ("name", "description", "lead")}
        if change:
            team = update_team(team=obj, by=request.user, **values)
        else:
            team = create_team(by=request.user, **values)
        obj.pk, obj.slug = team.pk, team.slug


class PresenceFilter(admin.SimpleListFilter):
    title = "presence"
    parameter_name = "presence"

    def lookups(self, request, model_admin):
        return [("here", "Here"), ("away", "Away"), ("departed", "Departed")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "departed":
            return queryset.filter(departed_on__lte=today)
        if self.value() == "away":
            return queryset.filter(away_until__gte=today).exclude(departed_on__lte=today)
        if self.value() == "here":
            return queryset.exclude(departed_on__lte=today).exclude(away_until__gte=today)
        return queryset


class PersonAdminForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [*PERSON_FIELDS, "user"]

    def clean_email(self) -> str:
        try:
            return check_email_free(self.cleaned_data["email"], exclude_pk=self.instance.pk)
        except ValidationError as error:
            raise ValidationError(error.message_dict["email"]) from None

    def clean_slack_user_id(self) -> str:
        try:
            return check_slack_user_free(
                self.cleaned_data["slack_user_id"], exclude_pk=self.instance.pk
            )
        except ValidationError as error:
            raise ValidationError(error.message_dict["slack_user_id"]) from None


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    """Saved by the same write functions as the app: a new team or title flags what the person
    owns. Leaving is marked on their page in the app, with the handover it needs."""

    form = PersonAdminForm
    list_display = ["name", "email", "team", "title", "away_until", "departed_on"]
    list_filter = [PresenceFilter, "team"]
    list_select_related = ["team"]
    search_fields = ["name", "email", "title", "chat_handle"]
    autocomplete_fields = ["user", "team"]
    # The identity provider's (ownership/identity/provisioning.py), shown for tracing.
    readonly_fields = ["departed_on", "role_changed_at", "scim_user_name", "scim_external_id"]
    inlines = [PersonAssignmentInline]

    def get_readonly_fields(self, request, obj=None):
        # Linking an account is a superuser's (people_changes.link_account): shown, not edited.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "user"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in PERSON_FIELDS}
        if change:
            person = update_person(person=obj, by=request.user, **values)
        else:
            name, email = values.pop("name"), values.pop("email")
            person = create_person(name=name, email=email, by=request.user, **values)
        if "user" in form.cleaned_data:
            person = link_account(person=person, user=form.cleaned_data["user"], by=request.user)
        obj.pk = person.pk

    def save_related(self, request, form, formsets, change):
        form.save_m2m()
        for formset in formsets:  # the assignments shown here are read-only: nothing to save
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    """To read and search: people are given roles on their task's page (here in the admin, or
    in the app), through assign()."""

    list_display = ["task", "role", "person"]
    list_filter = ["role", "task__stage"]
    list_select_related = ["task", "person"]
    search_fields = ["task__name", "person__name", "person__email"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _IssuedOnceAdmin(admin.ModelAdmin):
    """Issue a secret by adding one: it is shown once, in the confirmation message, then only
    its first characters; revoking it refuses it from then on."""

    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    actions = ["revoke"]
    # What is chosen when issuing one (besides its name), and what is shown afterwards.
    issued_to: list[str] = []
    shown = ["prefix", "created_at", "last_used_at", "revoked_at"]
    # Each kind's own: the record, the secret, whose it is and how to use it (for the message).
    issue: Callable[[Any], tuple[IssuedSecret, str, str, str]]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*self.issued_to, "name"]
        return [*self.issued_to, "name", *self.shown]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else [*self.issued_to, *self.shown]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        record, token, whose, usage = self.issue(obj)
        obj.pk = record.pk
        self.message_user(
            request,
            f"{whose}: {token} — copy it now; it is not stored and will not be shown again. "
            + usage,
            messages.WARNING,
        )

    def log_addition(self, request, obj, message):
        obj.refresh_from_db()
        return super().log_addition(request, obj, message)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(token=token)
        self.message_user(request, "Revoked. Requests with those tokens are now refused.")


@admin.register(ApiToken)
class ApiTokenAdmin(_IssuedOnceAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "prefix"]
    autocomplete_fields = ["user"]
    issued_to = ["user"]

    def issue(self, obj):
        record, token = issue_token(user=obj.user, name=obj.name)
        usage = "Send it as the header 'Authorization: Bearer <token>'."
        return record, token, f"Token for {record.user}", usage


@admin.register(ScimToken)
class ScimTokenAdmin(_IssuedOnceAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix"]

    def issue(self, obj):
        record, token = issue_scim_token(name=obj.name)
        usage = (
            "In the identity provider's provisioning settings, give it as the secret token "
            "(bearer token), with the tenant URL ending in /scim/v2/."
        )
        return record, token, f"SCIM token for {record.name}", usage
