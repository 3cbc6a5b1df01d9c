"""Each task's last confirmation in a review, until now computed by the gap rules from the
review items on every load, is kept on the task (Task.last_confirmed_at): filled here once from
the items, then by reviews.session_runner as outcomes are recorded."""

from django.db import migrations
from django.db.models import Max, OuterRef, Subquery

# The outcomes that confirmed a task when this migration was written.
CONFIRMING = ("confirmed", "changed")


def fill(apps, schema_editor):
    Task = apps.get_model("tasks_registry", "Task")
    ReviewItem = apps.get_model("reviews", "ReviewItem")
    latest = (
        ReviewItem.objects.filter(task_id=OuterRef("pk"), outcome__in=CONFIRMING)
        .values("task_id")
        .annotate(latest=Max("decided_at"))
        .values("latest")
    )
    Task.objects.update(last_confirmed_at=Subquery(latest))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_sessions_run_and_notices"),
        ("tasks_registry", "0008_task_last_confirmed"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
