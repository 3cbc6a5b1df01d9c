"""Who may do what. Django's groups carry the map's permissions (see migration 0002_roles)."""

from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.expressions import Col

from ownership.models import Assignment, Role

# The map's permissions are named where its records are; ownership's views read them here too.
from tasks_registry.permissions import EDIT_MAP as EDIT_MAP
from tasks_registry.permissions import VIEW_MAP as VIEW_MAP

# The groups people are put in, as migration 0002_roles made them (a migration keeps its own
# copy: it is history, and must not change when these do).
MEMBERS, OPS_LEADS, MANAGERS = "Members", "Ops leads", "Managers"


@cache
def _permission_names_sql(vendor: str, user_id: str) -> str:
    """A scalar subquery: the user's own and their groups' permissions as one string,
    "app_label.codename" separated by spaces (NULL when there are none).

    `user_id` is the SQL for the user's id: a parameter, or a column of an outer query.
    """
    user = get_user_model()
    user_permissions = user.user_permissions.through._meta.db_table
    user_groups = user.groups.through._meta.db_table
    group_permissions = Group.permissions.through._meta.db_table
    joined = "string_agg" if vendor == "postgresql" else "group_concat"
    return f"""(
        SELECT {joined}(ct.app_label || '.' || p.codename, ' ')
        FROM {Permission._meta.db_table} p
        JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id
        WHERE p.id IN (
            SELECT permission_id FROM {user_permissions} WHERE user_id = {user_id}
            UNION
            SELECT gp.permission_id FROM {group_permissions} gp
            JOIN {user_groups} ug ON ug.group_id = gp.group_id
            WHERE ug.user_id = {user_id}
        )
    )"""  # noqa: S608 - table names from the models; values are bound


@cache
def _user_sql(vendor: str) -> str:
    user = get_user_model()
    columns = ", ".join(
        f"u.{connection.ops.quote_name(field.column)}" for field in user._meta.concrete_fields
    )
    permissions = _permission_names_sql(vendor, "u.id")
    return f"SELECT {columns}, {permissions} FROM {user._meta.db_table} u WHERE u.id = %s"  # noqa: S608 - table names from the models; values are bound


@cache
def _user_converters(vendor: str) -> list[tuple[int, Col, list]]:
    """What the ORM applies to each column it reads (dates and booleans are text and integers
    on SQLite): the database's converters, then the field's."""
    converters = []
    for index, field in enumerate(get_user_model()._meta.concrete_fields):
        column = field.get_col(field.model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return converters


def _user_from_row(row: tuple):
    """A user as the ORM would have built it from the row of _user_sql()."""
    user_model = get_user_model()
    values = list(row[:-1])
    for index, column, converters in _user_converters(connection.vendor):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    fields = [field.attname for field in user_model._meta.concrete_fields]
    user = user_model.from_db(connection.alias, fields, values)
    if not user.is_superuser:  # a superuser has every permission; see get_all_permissions
        user._perm_cache = _permission_set(row[-1])
    return user


def _permission_set(names: str | None) -> set[str]:
    return set(names.split()) if names else set()


class GroupPermissionBackend(ModelBackend):
    """Django's model backend, reading the signed-in user and all their permissions in one
    statement, where Django's own takes three (user, user permissions, group permissions).

    Every request loads the user and checks a permission, and each keystroke in the search box
    is a request: the ORM's versions of these reads cost about 1.5 ms more, most of it in
    compiling the joins and planning them. The statements are plain SQL over the
    auth tables, the same on PostgreSQL and SQLite but for the name of the string aggregate.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        """A password, checked as Django does; only a superuser's once single sign-on has
        taken over (OWNERMAP_SSO_PASSWORD_SIGN_IN off), so that the provider decides who is in
        and an admin can still sign in while it is down."""
        user = super().authenticate(request, username=username, password=password, **kwargs)
        passwords_closed = settings.SSO_ON and not settings.OWNERMAP_SSO_PASSWORD_SIGN_IN
        if user is not None and passwords_closed and not user.is_superuser:
            return None
        return user

    def get_user(self, user_id):
        try:  # the session holds the id as text; the ORM would convert it the same way
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        with connection.cursor() as cursor:
            cursor.execute(_user_sql(connection.vendor), [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = _user_from_row(row)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.values_list("content_type__app_label", "codename")
                user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
            else:
                sql = "SELECT " + _permission_names_sql(connection.vendor, "%s")
                with connection.cursor() as cursor:
                    cursor.execute(sql, [user_obj.pk, user_obj.pk])
                    user_obj._perm_cache = _permission_set(cursor.fetchone()[0])
        return user_obj._perm_cache


def may_confirm_done(user, task) -> bool:
    """The object rule for completions: a task's owner or backup confirms its occurrences done
    (whoever is acting). Nobody else does, whatever their group: a confirmation is the
    accountable person's word."""
    if not (user.is_authenticated and user.is_active and user.has_perm(VIEW_MAP)):
        return False
    return Assignment.objects.filter(
        task=task, role__in=(Role.OWNER, Role.BACKUP), person__user=user
    ).exists()


def may_skip(user, task) -> bool:
    """Who may skip a task's missed occurrences with a reason: its owner or backup, and an ops
    lead (who edits the map), since a skip says the work will not be done, not that it was."""
    if user.is_authenticated and user.is_active and user.has_perm(EDIT_MAP):
        return True
    return may_confirm_done(user, task)


def may_record_value(user, task) -> bool:
    """Who records a value of the metric a task protects: its owner or backup, who watch it
    with each confirmation, and an ops lead, who imports them."""
    return may_skip(user, task)


def may_pause(user, task, holder_pk: int | None) -> bool:
    """Who may say "I'm on it" for an overdue task: whoever its escalation reached last (the
    person who holds it now), and whoever may skip it."""
    if not (user.is_authenticated and user.is_active and user.has_perm(VIEW_MAP)):
        return False
    person_pk = getattr(getattr(user, "person", None), "pk", None)
    if holder_pk is not None and person_pk == holder_pk:
        return True
    return may_skip(user, task)


def may_edit_policies(user) -> bool:
    """Escalation policies and attestation periods are the ops leads' (they edit the map)."""
    return user.is_authenticated and user.is_active and user.has_perm(EDIT_MAP)


def who_grants_access() -> list[str]:
    """The people who can give an account its role, for the 403 page: the ops leads by name (a
    few), else the admins (settings.OWNERMAP_WHO_GRANTS_ACCESS)."""
    users = get_user_model().objects.filter(is_active=True)
    leads = users.filter(groups__name=OPS_LEADS, person__isnull=False)
    names = [f"{name} (ops lead)" for name in leads.values_list("person__name", flat=True)]
    if not names:
        admins = users.filter(is_superuser=True)
        names = [f"{user.get_full_name() or user.get_username()} (admin)" for user in admins]
    return sorted(names)[:3]
