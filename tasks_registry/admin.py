from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tasks_registry.changes import EDITABLE_FIELDS, create_task, update_task
from tasks_registry.models import Campaign, Completion, Stage, Task


@admin.register(Stage)
class StageAdmin(SimpleHistoryAdmin):
    list_display = ["name", "order", "slug"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
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
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "starts_at"


@admin.register(Completion)
class CompletionAdmin(SimpleHistoryAdmin):
    list_display = ["task", "due_on", "completed_at", "completed_by"]
    list_select_related = ["task", "completed_by"]
    search_fields = ["task__name", "note"]
    date_hierarchy = "due_on"
    autocomplete_fields = ["task", "completed_by"]
