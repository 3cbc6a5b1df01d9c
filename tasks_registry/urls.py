from django.urls import path

from tasks_registry.views import campaigns, metrics, rhythms

app_name = "tasks_registry"

urlpatterns = [
    path("rhythms/preview", rhythms.rhythm_preview, name="rhythm_preview"),
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<slug:slug>/edit", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<slug:slug>/delete", campaigns.campaign_delete, name="campaign_delete"),
    path("metrics/", metrics.metric_list, name="metric_list"),
    path("metrics/new", metrics.metric_create, name="metric_create"),
    path("metrics/import", metrics.metric_values_import, name="metric_values_import"),
    path("metrics/<int:pk>/", metrics.metric_detail, name="metric_detail"),
    path("metrics/<int:pk>/edit", metrics.metric_edit, name="metric_edit"),
    path("metrics/<int:pk>/values", metrics.metric_value_create, name="metric_value_create"),
]
