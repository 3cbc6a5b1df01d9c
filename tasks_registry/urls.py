from django.urls import path

from tasks_registry.views import campaigns, rhythms

app_name = "tasks_registry"

urlpatterns = [
    path("rhythms/preview", rhythms.rhythm_preview, name="rhythm_preview"),
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<slug:slug>/edit", campaigns.campaign_edit, name="campaign_edit"),
    path("campaigns/<slug:slug>/delete", campaigns.campaign_delete, name="campaign_delete"),
]
