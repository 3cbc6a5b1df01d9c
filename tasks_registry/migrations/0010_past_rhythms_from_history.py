"""Each task's earlier rhythms, read once from its history: until now a rhythm change dropped
the old rhythm's occurrences. From here on tasks_registry.rhythm_spans.close_current keeps
them as rhythms change. `manage.py refresh_due_dates` then brings back the next due date of
a task whose missed occurrence had vanished."""

import datetime

from django.db import migrations
from django.utils import timezone


def spans_of(records, rhythm_set_on):
    """[(rhythm, from, until)] of the rhythms a task had before its current one, from its
    history records (rhythm, history_date), oldest first."""
    found = []
    rhythm, since = "", None
    for text, when in records:
        day = timezone.localdate(when)
        if text == rhythm:
            continue
        if rhythm and since is not None:
            until = day - datetime.timedelta(days=1)
            if rhythm_set_on is not None:
                until = min(until, rhythm_set_on - datetime.timedelta(days=1))
            if until >= since:
                found.append(
                    {"rhythm": rhythm, "from": since.isoformat(), "until": until.isoformat()}
                )
        rhythm, since = text, day
    return found


def fill(apps, schema_editor):
    Task = apps.get_model("tasks_registry", "Task")
    HistoricalTask = apps.get_model("tasks_registry", "HistoricalTask")
    records = {}
    rows = HistoricalTask.objects.order_by("id", "history_date", "history_id").values_list(
        "id", "rhythm", "history_date"
    )
    for task_id, rhythm, when in rows.iterator(chunk_size=2000):
        records.setdefault(task_id, []).append((rhythm, when))
    changed = []
    for task in Task.objects.only("rhythm_set_on", "past_rhythms").iterator(chunk_size=2000):
        found = spans_of(records.get(task.pk, ()), task.rhythm_set_on)
        if found:
            task.past_rhythms = found
            changed.append(task)
    Task.objects.bulk_update(changed, ["past_rhythms"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("tasks_registry", "0009_past_rhythms_and_skips")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
