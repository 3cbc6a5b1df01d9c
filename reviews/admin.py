"""Reviews in the admin, to read and search. Sessions are made by the sweep and run in the
browser, where every outcome and status goes through reviews/session_runner.py (record_outcome,
close_session…): here nothing can be added, changed or deleted around them."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviews.models import ReviewItem, ReviewSession


class ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReviewItemInline(ReadOnly, admin.TabularInline):
    model = ReviewItem
    extra = 0
    fields = ["position", "task", "outcome", "note", "gaps_snapshot", "decided_by", "decided_at"]


@admin.register(ReviewSession)
class ReviewSessionAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "scheduled_for", "facilitator", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["campaign", "facilitator"]
    search_fields = ["period", "campaign__name", "facilitator__name"]
    inlines = [ReviewItemInline]


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ["task", "session", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome", "session__kind"]
    list_select_related = ["task", "session", "session__campaign", "decided_by"]
    search_fields = ["task__name", "note"]
