from django.urls import path

from ownership import fix_in_place  # noqa: F401 - registers <fix:kind>
from reviews.views import items, pre_reviews, sessions

app_name = "reviews"

urlpatterns = [
    path("", sessions.session_list, name="session_list"),
    path("<int:pk>/", sessions.session_detail, name="session"),
    path("<int:pk>/summary", sessions.session_summary_page, name="summary"),
    path("<int:pk>/start", sessions.session_start, name="start"),
    path("<int:pk>/pause", sessions.session_pause, name="pause"),
    path("<int:pk>/close", sessions.session_close, name="close"),
    path("<int:pk>/follow-up", sessions.session_follow_up, name="follow_up"),
    path("<int:pk>/pre-review", pre_reviews.pre_review_page, name="pre_review"),
    path("<int:pk>/accept", pre_reviews.accept_confirmed, name="accept_confirmed"),
    path("<int:pk>/tasks/new", items.missing_task, name="missing_task"),
    path("<int:pk>/items/<int:item_pk>/", items.item_detail, name="item"),
    path("<int:pk>/items/<int:item_pk>/outcome", items.item_outcome, name="item_outcome"),
    path("<int:pk>/items/<int:item_pk>/<fix:kind>", items.item_fix, name="item_fix"),
]
