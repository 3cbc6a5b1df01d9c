from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"

admin.site.site_header = "Ownermap administration"
admin.site.site_title = "Ownermap admin"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # What a browser or a bookmark asks for without reading the page's <link rel="icon">.
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
    path("reviews/", include("reviews.urls")),
    path("", include("tasks_registry.urls")),
    path("", include("ownership.urls")),
]
