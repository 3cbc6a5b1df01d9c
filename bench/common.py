"""What the benches share, with no side effects: importing it sets up nothing (bench/lookup.py
and its neighbours point the environment at their own database when imported)."""

import random
import time

QUERIES = [
    "discount code doesn't work", "discount code is wrong", "promo code not applying",
    "holiday cutoff", "christmas delivery", "will it arrive by christmas", "shiping cutof",
    "refund letter", "where is my refund", "refund not received", "parcel damaged",
    "box crushed", "wrong item sent", "missing item in parcel", "stock wrong",
    "shows in stock but isn't", "sold out still showing", "price wrong on website",
    "sale prices", "bundle", "gift card", "reward points", "checkout broken", "can't pay",
    "card declined", "payment letter", "fraud check", "order on hold", "where is my order",
    "tracking", "change shipping address", "late delivery", "lost parcel", "return label",
    "returns policy", "warranty claim", "broken product", "supplier late", "purchase order",
    "invoice mismatch", "vat wrong", "site slow", "site down", "erp sync", "orders not in erp",
    "product feed", "filters wrong", "colour filter broken", "site search no results",
    "product description wrong", "photos missing", "size chart", "newsletter", "ads budget",
    "seo broken links", "chatbot wrong answer", "support script", "promo calendar",
    "forecast warehouse", "contract renewal", "leaver access", "packing slow",
]  # fmt: skip


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def machine_speed() -> float:
    """Milliseconds for a fixed pure-Python loop: these machines' speed varies up to twofold
    from minute to minute, and this says which kind of minute the figures come from."""
    started = time.perf_counter()
    total = 0
    for number in range(2_000_000):
        total += number
    return (time.perf_counter() - started) * 1000


def ensure_gap_data() -> None:
    """The generated map's rhythms were set the day it was made, and it has no history older
    than a quarter: give a third of the tasks a due date in the last month and a fifth an age of
    200 days, so that the overdue and stale rules have work to do. Idempotent."""
    from django.db import connection

    from ownership.gap_facts import rebuild_gap_facts

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tasks_registry_task SET next_due_on = CURRENT_DATE - (id % 30)::int "
            "WHERE id % 3 = 0 AND next_due_on IS DISTINCT FROM CURRENT_DATE - (id % 30)::int"
        )
        changed = cursor.rowcount
        cursor.execute(
            "UPDATE tasks_registry_task SET created_at = created_at - interval '200 days' "
            "WHERE id % 5 = 0 AND created_at > now() - interval '150 days'"
        )
        changed += cursor.rowcount
    if changed:
        # Written past the app: the gap rules' facts follow, as after any bulk SQL edit.
        rebuild_gap_facts()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) tasks_registry_task")
        cursor.execute("VACUUM (ANALYZE) ownership_gapfacts")


def sheet(count: int, stages: list[str], names: list[str], rng: random.Random) -> tuple[list, list]:
    """A sheet of `count` new tasks in the import's format, naming people by `names`."""
    from ownership.sheets.columns import LABELS
    from tasks_registry.rhythms import EXAMPLES

    # Every kind of rhythm, and no rhythm at all.
    rhythms = [*EXAMPLES, "every business day", ""]

    rows = []
    for n in range(count):
        owner, backup, *helpers = rng.sample(names, 5)
        if n % 4 == 0:  # a quarter of the owners are new to the map
            owner = f"New Owner {n} <new.owner.{n}@shop.example>"
        cells = {
            "Task": f"Recurring task {n:05d} for {rng.choice(['EU', 'US', 'UK', 'APAC'])}",
            "Stage": stages[n % len(stages)],
            "Criticality": rng.choice(["critical", "high", "normal", "normal"]),
            "Owner": owner,
            "Backup": backup if n % 3 else "",
            "Contributors": "; ".join(helpers[: rng.randint(0, 3)]),
            "Checker": rng.choice(names) if n % 5 == 0 else "",
            "Escalation": "",
            "Consulted": "",
            "Informed": "",
            "Rhythm": rhythms[n % len(rhythms)],
            "Definition of done": "Checked against the sheet\nSigned off in #ops\n0 errors left",
            "Aliases": "; ".join(rng.sample(["promo", "stock", "refund", "carrier", "feed"], 2)),
            "Patterns": "",
            "Systems": rng.choice(["ERP", "PIM; CMS", "WMS", "helpdesk"]),
            "Metric": rng.choice(["order accuracy", "refund delay", ""]),
            "Description": f"Generated row {n} for the import benchmark.",
        }
        rows.append([cells[label] for label in LABELS])
    return LABELS, rows
