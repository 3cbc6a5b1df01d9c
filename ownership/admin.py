from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from ownership.models import ApiToken, Assignment, Person, Role, Team
from ownership.tokens import issue_token, revoke_token
from tasks_registry.admin import TaskAdmin
from tasks_registry.models import Task


class AssignmentFormSet(BaseInlineFormSet):
    """Catch two owners, two backups, or owner = backup among the rows of one submitted form.

    Each row is validated against the database on its own, so two new "owner" rows in the same
    submission would both pass and then fail at the database with an IntegrityError.
    """

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


class AssignmentInline(admin.TabularInline):
    model = Assignment
    formset = AssignmentFormSet
    extra = 1
    autocomplete_fields = ["person"]
    fields = ["role", "person"]


class PersonAssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["task"]
    fields = ["task", "role"]


admin.site.unregister(Task)


@admin.register(Task)
class TaskWithAssignmentsAdmin(TaskAdmin):
    inlines = [AssignmentInline]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "lead"]
    list_select_related = ["lead"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["lead"]


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


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "email", "team", "title", "away_until", "departed_on"]
    list_filter = [PresenceFilter, "team"]
    list_select_related = ["team"]
    search_fields = ["name", "email", "title", "chat_handle"]
    autocomplete_fields = ["user", "team"]
    inlines = [PersonAssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["task", "role", "person"]
    list_filter = ["role", "task__stage"]
    list_select_related = ["task", "person"]
    search_fields = ["task__name", "person__name", "person__email"]
    autocomplete_fields = ["task", "person"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Issue a token by adding one: it is shown once, in the confirmation message."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "prefix"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name"]
        return ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        record, token = issue_token(user=obj.user, name=obj.name)
        obj.pk = record.pk
        self.message_user(
            request,
            f"Token for {record.user}: {token} — copy it now; it is not stored and will not be "
            "shown again. Send it as the header 'Authorization: Bearer <token>'.",
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
