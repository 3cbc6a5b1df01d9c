"""Tasks named their metric in free text; each name becomes a Metric. The seven operational
metrics stores watch come first, with a unit, a direction and a usual target (ops leads set
their own); a name they do not know becomes a metric of its own, counted and without a target
until an ops lead gives it one. Past versions of tasks name the same metrics.

A copy of the catalogue as it was: a migration is history, and must not change when
tasks_registry/metrics.py does."""

from decimal import Decimal

from django.db import migrations

STANDARD = [
    ("Order accuracy", "percent", "higher", "99.5", "Orders shipped complete and correct."),
    ("Pick-and-pack time", "hours", "lower", "24", "From an order placed to its parcel packed."),
    ("Return cycle time", "days", "lower", "7", "From a return requested to its refund issued."),
    ("Contact rate per order", "percent", "lower", "5", "Support contacts per 100 orders."),
    ("Refund delay", "days", "lower", "3", "From a return received to the money sent back."),
    ("Out-of-stock frequency", "count", "lower", "5", "Live products that sold out, per week."),
    ("Split-shipment rate", "percent", "lower", "8", "Orders sent in more than one parcel."),
]


def _key(name):
    return " ".join(name.lower().replace("-", " ").split())


def forwards(apps, schema_editor):
    Metric = apps.get_model("tasks_registry", "Metric")
    Task = apps.get_model("tasks_registry", "Task")
    HistoricalTask = apps.get_model("tasks_registry", "HistoricalTask")
    by_key = {}
    for name, unit, direction, target, description in STANDARD:
        metric, _ = Metric.objects.get_or_create(
            name=name,
            defaults={
                "unit": unit,
                "direction": direction,
                "target": Decimal(target),
                "description": description,
            },
        )
        by_key[_key(name)] = metric
    names = set(Task.objects.exclude(metric="").values_list("metric", flat=True))
    names |= set(HistoricalTask.objects.exclude(metric="").values_list("metric", flat=True))
    for name in sorted(names):
        key = _key(name)
        if not key:
            continue
        if key not in by_key:
            by_key[key] = Metric.objects.create(
                name=" ".join(name.split())[:100],
                unit="count",
                direction="lower",
                description="Named on tasks before metrics had units: check its unit and way.",
            )
        for model in (Task, HistoricalTask):
            model.objects.filter(metric=name).update(metric_ref=by_key[key])


def backwards(apps, schema_editor):
    Task = apps.get_model("tasks_registry", "Task")
    HistoricalTask = apps.get_model("tasks_registry", "HistoricalTask")
    for model in (Task, HistoricalTask):
        for row in model.objects.exclude(metric_ref=None).select_related("metric_ref"):
            model.objects.filter(pk=row.pk).update(metric=row.metric_ref.name.lower())


class Migration(migrations.Migration):
    dependencies = [("tasks_registry", "0015_metrics")]

    operations = [migrations.RunPython(forwards, backwards)]
