"""Who may do what. Django's groups carry the map's permissions (see migration 0002_roles)."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

# Reading the map: what Members, Ops leads and Managers all have, and outsiders lack.
VIEW_MAP = "tasks_registry.view_task"


class GroupPermissionBackend(ModelBackend):
    """Django's model backend, reading a user's permissions in one query instead of two.

    Every page checks a permission, so the user's own and their groups' permissions are loaded
    on every request; one round trip instead of two is a measurable share of a lookup.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(
                    Q(user=user_obj) | Q(group__user=user_obj)
                ).distinct()
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list(
                    "content_type__app_label", "codename"
                ).order_by()
            }
        return user_obj._perm_cache
