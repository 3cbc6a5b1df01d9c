"""One campaign per name and start: a form sent twice at once made two. Campaigns already
doubled keep their rows, the later ones renamed "(2)", "(3)"… so the rule can hold."""

import django.db.models.functions.text
from django.db import migrations, models


def rename_doubles(apps, schema_editor):
    Campaign = apps.get_model("tasks_registry", "Campaign")
    seen = {}
    for campaign in Campaign.objects.order_by("starts_at", "id"):
        key = (campaign.name.lower(), campaign.starts_at)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            campaign.name = f"{campaign.name} ({seen[key]})"[:200]
            campaign.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_registry", "0010_past_rhythms_from_history"),
    ]

    operations = [
        migrations.RunPython(rename_doubles, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="campaign",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                models.F("starts_at"),
                name="campaign_once_per_start",
            ),
        ),
    ]
