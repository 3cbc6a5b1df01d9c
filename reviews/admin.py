from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviews.models import ReviewItem, ReviewSession


class ReviewItemInline(admin.TabularInline):
    model = ReviewItem
    extra = 0
    autocomplete_fields = ["task"]
    fields = ["position", "task", "outcome", "note", "gaps_snapshot", "decided_by", "decided_at"]
    readonly_fields = ["gaps_snapshot", "decided_by", "decided_at"]


@admin.register(ReviewSession)
class ReviewSessionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "scheduled_for", "facilitator", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["campaign", "facilitator"]
    search_fields = ["period", "campaign__name", "facilitator__name"]
    autocomplete_fields = ["campaign", "facilitator", "participants"]
    inlines = [ReviewItemInline]


@admin.register(ReviewItem)
class ReviewItemAdmin(SimpleHistoryAdmin):
    list_display = ["task", "session", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome", "session__kind"]
    list_select_related = ["task", "session", "session__campaign", "decided_by"]
    search_fields = ["task__name", "note"]
    autocomplete_fields = ["task"]
