"""The customer-journey stages every store starts with. Editable afterwards in the admin."""

from django.db import migrations

STAGES = [
    ("Discover", "discover", "How shoppers find the store: search, ads, social, email."),
    ("Product page", "product-page", "What a shopper reads and sees before buying."),
    ("Promotions & pricing", "promotions-pricing", "Prices, discount codes, bundles and sales."),
    ("Cart & checkout", "cart-checkout", "From basket to order: the flow that must never break."),
    ("Payment", "payment", "Taking the money: gateways, fraud, payment letters."),
    ("Fulfilment", "fulfilment", "Picking, packing and stock in the warehouse."),
    ("Delivery", "delivery", "Carriers, shipping promises and cut-offs."),
    ("Returns & refunds", "returns-refunds", "Returns notices, refunds and warranty claims."),
    ("Customer service", "customer-service", "Answering customers: scripts, macros, escalations."),
    ("Catalog & data", "catalog-data", "Products, attributes, variants and inventory data."),
    (
        "Platform & integrations",
        "platform-integrations",
        "Storefront, ERP, PIM, CMS and their links.",
    ),
    ("Finance & vendors", "finance-vendors", "Suppliers, contracts, reconciliations and budgets."),
]


def create_stages(apps, schema_editor):
    Stage = apps.get_model("tasks_registry", "Stage")
    for order, (name, slug, description) in enumerate(STAGES, start=1):
        Stage.objects.get_or_create(
            slug=slug, defaults={"name": name, "order": order * 10, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("tasks_registry", "0001_initial")]

    operations = [migrations.RunPython(create_stages, migrations.RunPython.noop)]
