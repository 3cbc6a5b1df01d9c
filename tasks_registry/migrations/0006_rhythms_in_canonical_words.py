"""Rhythms were free text until Ownermap read them. Rewrite each one it can read in its canonical
words, and start counting its occurrences today (nobody was asked to confirm earlier ones). Text
it cannot read moves, word for word, to the end of the task's description, and the rhythm is
left empty: the dashboard then shows the task under "no rhythm" instead of guessing."""

from django.db import migrations
from django.utils import timezone

MOVED_NOTE = "Rhythm as written before Ownermap read rhythms: “{}”"


def canonical_words(apps, schema_editor):
    Task = apps.get_model("tasks_registry", "Task")
    tasks = list(Task.objects.exclude(rhythm=""))
    if not tasks:
        return
    # Imported only when there is something to rewrite: on a new database this migration
    # must not depend on today's code.
    from tasks_registry import rhythms

    today = timezone.localdate()
    for task in tasks:
        try:
            words = rhythms.normalise(task.rhythm)
        except rhythms.RhythmError:
            note = MOVED_NOTE.format(task.rhythm.strip())
            task.description = f"{task.description.rstrip()}\n\n{note}".strip()
            words = ""
        task.rhythm = words
        task.rhythm_set_on = today if words else None
        task.save(update_fields=["rhythm", "rhythm_set_on", "description"])


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_registry", "0005_rhythms_completions_campaign_versions"),
    ]

    operations = [
        migrations.RunPython(canonical_words, migrations.RunPython.noop),
    ]
