"""The three groups people are put in, with their permissions.

Members read the whole map; ops leads edit it; managers edit it and run reviews. Object rules
(an owner may confirm their own task's completion) live in code, not here.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ = [
    "tasks_registry.view_stage",
    "tasks_registry.view_task",
    "tasks_registry.view_campaign",
    "tasks_registry.view_completion",
    "ownership.view_team",
    "ownership.view_person",
    "ownership.view_assignment",
    "reviews.view_reviewsession",
    "reviews.view_reviewitem",
]
EDIT_MAP = [
    f"{app}.{action}_{model}"
    for app, model in [
        ("tasks_registry", "task"),
        ("tasks_registry", "stage"),
        ("tasks_registry", "campaign"),
        ("ownership", "team"),
        ("ownership", "person"),
        ("ownership", "assignment"),
    ]
    for action in ("add", "change", "delete")
]
RUN_REVIEWS = [
    "reviews.add_reviewsession",
    "reviews.change_reviewsession",
    "reviews.run_reviewsession",
    "reviews.add_reviewitem",
    "reviews.change_reviewitem",
]
GROUPS = {
    "Members": READ,
    "Ops leads": READ + EDIT_MAP,
    "Managers": READ + EDIT_MAP + RUN_REVIEWS,
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations run (post_migrate); make them now so
    # the groups can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ownership", "0001_initial"),
        ("tasks_registry", "0002_default_stages"),
        ("reviews", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
