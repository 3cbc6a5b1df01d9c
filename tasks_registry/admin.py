from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from tasks_registry import rhythms
from tasks_registry.campaigns import create_campaign, delete_campaign, update_campaign
from tasks_registry.changes import EDITABLE_FIELDS, create_task, update_task
from tasks_registry.models import Campaign, Completion, Stage, Task


class TaskAdminForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = list(EDITABLE_FIELDS)

    def clean_rhythm(self) -> str:
        try:
            return rhythms.normalise(self.cleaned_data["rhythm"])
        except rhythms.RhythmError as error:
            raise ValidationError(str(error)) from None


@admin.register(Stage)
class StageAdmin(SimpleHistoryAdmin):
    list_display = ["name", "order", "slug"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    form = TaskAdminForm
    list_display = ["name", "stage", "criticality", "rhythm", "is_active", "updated_at"]
    list_filter = ["is_active", "criticality", "stage"]
    list_select_related = ["stage"]
    search_fields = ["name", "aliases", "description"]
    readonly_fields = ["slug", "version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "stage", "criticality", "is_active"]}),
        ("How it is done", {"fields": ["rhythm", "definition_of_done", "metric", "systems"]}),
        ("How people find it", {"fields": ["aliases", "description"]}),
        ("Record", {"fields": ["version", "created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        # Through the same write functions as the app, so the slug and version rules hold here too.
        values = {
            field: form.cleaned_data[field]
            for field in EDITABLE_FIELDS
            if field in form.cleaned_data
        }
        if change:
            saved = update_task(task=obj, by=request.user, **values)
        else:
            name, stage = values.pop("name"), values.pop("stage")
            saved = create_task(name=name, stage=stage, by=request.user, **values)
        obj.pk, obj.slug, obj.version = saved.pk, saved.slug, saved.version


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "starts_at", "ends_at"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]
    readonly_fields = ["slug", "version"]
    date_hierarchy = "starts_at"

    # Through the write functions: a campaign moves the due dates of the tasks around it.
    def save_model(self, request, obj, form, change):
        values = {
            field: form.cleaned_data[field]
            for field in ("name", "kind", "starts_at", "ends_at", "description")
        }
        if change:
            saved = update_campaign(campaign=obj, by=request.user, **values)
        else:
            saved = create_campaign(by=request.user, **values)
        obj.pk, obj.slug, obj.version = saved.pk, saved.slug, saved.version

    def delete_model(self, request, obj):
        delete_campaign(campaign=obj, by=request.user)


@admin.register(Completion)
class CompletionAdmin(SimpleHistoryAdmin):
    list_display = ["task", "due_on", "completed_at", "completed_by"]
    list_select_related = ["task", "completed_by"]
    search_fields = ["task__name", "note"]
    date_hierarchy = "due_on"

    # A confirmation is its owner's or backup's word, made in the app: the admin only shows it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
