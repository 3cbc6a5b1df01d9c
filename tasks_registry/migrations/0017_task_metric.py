from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tasks_registry", "0016_metrics_from_names")]

    operations = [
        migrations.RemoveField(model_name="task", name="metric"),
        migrations.RemoveField(model_name="historicaltask", name="metric"),
        migrations.RenameField(model_name="task", old_name="metric_ref", new_name="metric"),
        migrations.RenameField(
            model_name="historicaltask", old_name="metric_ref", new_name="metric"
        ),
    ]
