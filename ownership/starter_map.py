"""The e-commerce starter map: the recurring tasks a store's ownership map starts from, by stage
of the customer journey, each with the words people search it by, a suggested rhythm, a
definition of done a second person can check, the metric it protects and the role that usually
owns it; and the promises to customers most stores make, with the tasks that repeat them.
Applied, it makes the tasks without people: the dashboard then flags every one of them as
having no owner, which is the work to do next.

The tasks come from the articles the product grew from: the recurring work of scaling stores
(promo codes, product page alignment, shipping promises, returns notices, vendor letters…), the
roles of an e-commerce team (head of digital, e-commerce SME, marketing manager, business
analyst, IT, logistics manager, inventory manager, customer service, content), and the six
capabilities a platform needs an internal owner for.
"""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ownership.gap_facts import refresh_gap_facts
from ownership.lookup.index import reindex_tasks, search_names_of
from tasks_registry import rhythms
from tasks_registry.changes import unique_slug
from tasks_registry.due import refresh_next_due
from tasks_registry.metrics import metric_named
from tasks_registry.models import PromiseKind, Stage, Task
from tasks_registry.promises import PromiseSpec, ensure_promises

REASON = "from the starter map"

HEAD_OF_DIGITAL = "head of digital"
SME = "e-commerce SME"
MARKETING = "marketing manager"
ANALYST = "e-commerce business analyst"
IT = "IT team"
LOGISTICS = "logistics manager"
INVENTORY = "inventory manager"
SERVICE = "customer service team"
CONTENT = "content team"
ROLES = (HEAD_OF_DIGITAL, SME, MARKETING, ANALYST, IT, LOGISTICS, INVENTORY, SERVICE, CONTENT)


@dataclass(frozen=True)
class StarterTask:
    name: str
    stage: str  # a stage's slug
    criticality: str
    rhythm: str
    done: str
    aliases: tuple[str, ...]
    systems: tuple[str, ...]
    metric: str
    role: str
    description: str
    capability: bool = False  # one of the six that need an internal owner, not a partner

    @property
    def full_description(self) -> str:
        owner = f"Usually owned by the {self.role}"
        if self.capability:
            owner += ": a capability that needs an internal owner, not a partner who moves on"
        return f"{self.description}\n\n{owner}."


def _t(name, stage, criticality, rhythm, done, aliases, systems, metric, role, description, **kw):
    return StarterTask(
        name, stage, criticality, rhythm, "\n".join(done), tuple(aliases), tuple(systems),
        metric, role, description, **kw,
    )  # fmt: skip


TASKS = (
    # --- Discover ---------------------------------------------------------------------------
    _t(
        "Campaign email send",
        "discover",
        "high",
        "2 business days before each campaign",
        [
            "Segment and send time agreed with operations",
            "Every link and code tested on mobile",
            "Send scheduled and previewed by a second person",
        ],
        ["newsletter", "promo email", "email blast"],
        ["ESP", "storefront"],
        "contact rate per order",
        MARKETING,
        "The email that announces each campaign: audience, copy, codes and timing.",
    ),
    _t(
        "Paid ads launch and budget pacing",
        "discover",
        "high",
        "weekly on monday",
        [
            "Budgets match the campaign plan",
            "Every ad points at a live, in-stock product",
            "Pacing report shared with marketing",
        ],
        ["google ads", "meta ads", "ad spend", "ads pointing to sold out product"],
        ["Google Ads", "Meta Ads Manager"],
        "out-of-stock frequency",
        MARKETING,
        "Launching paid campaigns and keeping spend on pace without advertising stock we lack.",
    ),
    _t(
        "SEO metadata and redirects",
        "discover",
        "normal",
        "monthly on the first business day",
        [
            "No 404s from old product URLs in the crawl report",
            "Every new page has a title and a description",
        ],
        ["seo", "broken links", "301 redirects", "page titles"],
        ["CMS", "storefront"],
        "conversion rate",
        MARKETING,
        "Titles, descriptions and redirects, so shoppers and search engines land on live pages.",
    ),
    _t(
        "Product strategy and roadmap",
        "discover",
        "high",
        "quarterly",
        [
            "Roadmap for the next quarter published",
            "Each item has an owner and a measurable goal",
            "Trade-offs written down",
        ],
        ["roadmap", "what to build next", "feature priorities"],
        ["Jira"],
        "conversion rate",
        HEAD_OF_DIGITAL,
        "Balancing competing priorities and deciding, from evidence, what to build next.",
        capability=True,
    ),
    # --- Product page ----------------------------------------------------------------------
    _t(
        "New product launch page",
        "product-page",
        "high",
        "3 business days before each product drop",
        [
            "Copy, specs, images and shipping language all in place",
            "Page checked on mobile and desktop",
            "Signed off by the owner",
        ],
        ["launch page", "new product page", "pdp for drop"],
        ["CMS", "PIM", "storefront"],
        "conversion rate",
        CONTENT,
        "The page for a new product: copy from marketing, specs from merchandising, images from "
        "creative, shipping language from operations; the owner decides when it is ready.",
    ),
    _t(
        "Product page copy alignment",
        "product-page",
        "high",
        "monthly on the 15th",
        [
            "Copy, specs and shipping language match merchandising's sheet",
            "FAQ updated with the product description",
            "Checked on mobile",
        ],
        ["product description wrong", "faq out of date", "copy mismatch"],
        ["CMS", "PIM"],
        "contact rate per order",
        CONTENT,
        "Keeping the product description, the FAQ and the shipping promise saying the same thing.",
    ),
    _t(
        "User experience design",
        "product-page",
        "high",
        "quarterly",
        [
            "Top 3 friction points from analytics and support reviewed",
            "One usability test run and written up",
        ],
        ["ux", "site hard to use", "usability"],
        ["storefront", "analytics"],
        "conversion rate",
        SME,
        "Making sure the store works intuitively for its customers and their workflows.",
        capability=True,
    ),
    # --- Promotions & pricing --------------------------------------------------------------
    _t(
        "Promo code setup and QA",
        "promotions-pricing",
        "critical",
        "2 business days before each campaign",
        [
            "Every code created with the right discount, dates and limits",
            "Each code tested in a real checkout",
            "Support given the list of codes",
        ],
        ["discount code wrong", "promo code not working", "voucher"],
        ["storefront", "ERP"],
        "contact rate per order",
        MARKETING,
        "Creating and testing the discount codes for each campaign across marketing and "
        "operations: the task most often helped by many and owned by none.",
    ),
    _t(
        "Pricing updates",
        "promotions-pricing",
        "critical",
        "weekly on monday",
        [
            "Price changes in the ERP match the approved sheet",
            "Storefront prices checked on 10 sampled products",
        ],
        ["price wrong on website", "price change", "repricing"],
        ["ERP", "storefront"],
        "order accuracy",
        ANALYST,
        "Who owns pricing updates, and checks they reached the store.",
    ),
    _t(
        "Bundle approvals",
        "promotions-pricing",
        "normal",
        "ad hoc",
        [
            "Bundle margin approved in writing",
            "Stock of every part confirmed",
            "Bundle page published",
        ],
        ["bundle", "kit", "multi-pack"],
        ["PIM", "storefront"],
        "out-of-stock frequency",
        ANALYST,
        "Approving bundle changes before they go on sale.",
    ),
    _t(
        "Sale calendar and promo forecast handoff",
        "promotions-pricing",
        "critical",
        "10 business days before each sale",
        [
            "Final promo forecast sent to the warehouse",
            "Receipt confirmed by the inventory manager",
            "Calendar updated",
        ],
        ["promo calendar", "forecast warehouse", "sale plan"],
        ["ERP"],
        "out-of-stock frequency",
        MARKETING,
        "The promo calendar and forecast reaching the warehouse in time to stock up.",
    ),
    # --- Cart & checkout -------------------------------------------------------------------
    _t(
        "Checkout flow testing",
        "cart-checkout",
        "critical",
        "1 business day before each campaign",
        [
            "Every payment method tested with a real order",
            "Discount codes apply in the basket",
            "No errors in the checkout log",
        ],
        ["checkout broken", "can't check out", "basket error"],
        ["storefront"],
        "conversion rate",
        IT,
        "The flow that must never break, tested before every campaign.",
    ),
    _t(
        "Abandoned cart emails",
        "cart-checkout",
        "normal",
        "monthly on the first business day",
        ["Flow sends within 1 hour of abandonment", "Every link and code in it works"],
        ["abandoned cart", "cart reminder"],
        ["ESP", "storefront"],
        "conversion rate",
        MARKETING,
        "The reminders that bring shoppers back to what they left in the basket.",
    ),
    _t(
        "Delivery options at checkout",
        "cart-checkout",
        "high",
        "monthly on the 15th",
        [
            "Options and prices at checkout match the carrier contracts",
            "Delivery estimates match the shipping promise",
        ],
        ["delivery options", "shipping cost wrong"],
        ["storefront", "WMS"],
        "contact rate per order",
        LOGISTICS,
        "What the checkout offers and promises about delivery, kept true.",
    ),
    # --- Payment ---------------------------------------------------------------------------
    _t(
        "Payment gateway integration",
        "payment",
        "critical",
        "monthly on the last business day",
        [
            "Gateway and 3-D Secure tested end to end",
            "Failed-payment rate under 2%",
            "Certificates valid for 60 more days",
        ],
        ["card declined", "can't pay", "payment error"],
        ["payment gateway", "storefront"],
        "conversion rate",
        IT,
        "The payment gateway working, and its certificates current.",
    ),
    _t(
        "Fraud review queue",
        "payment",
        "critical",
        "every business day",
        ["Queue empty by 11:00", "Each held order released or cancelled with a reason"],
        ["order on hold", "fraud check", "held order"],
        ["payment gateway", "ERP"],
        "refund delay",
        SERVICE,
        "Orders held for fraud review decided the same morning.",
    ),
    _t(
        "Payment letters",
        "payment",
        "normal",
        "weekly on friday",
        ["Every overdue-payment letter sent and tracked", "Replies logged against the order"],
        ["payment letter", "formal notice", "dunning"],
        ["ERP"],
        "refund delay",
        ANALYST,
        "Formal payment letters kept trackable instead of scattered across inboxes.",
    ),
    # --- Fulfilment ------------------------------------------------------------------------
    _t(
        "Inventory sync",
        "fulfilment",
        "critical",
        "every business day",
        [
            "Storefront stock matches the WMS for 20 sampled SKUs",
            "Sync errors at zero, or each one raised",
        ],
        ["stock wrong", "shows in stock but isn't", "inventory not updated"],
        ["WMS", "ERP", "storefront"],
        "out-of-stock frequency",
        INVENTORY,
        "The stock the store shows is the stock the warehouse has.",
    ),
    _t(
        "Campaign stock reconciliation",
        "fulfilment",
        "high",
        "1 business day after each campaign ends",
        ["Sold, reserved and on-hand stock reconciled", "Variances over 1% explained"],
        ["stock after sale", "stock variance"],
        ["WMS", "ERP"],
        "order accuracy",
        INVENTORY,
        "Reconciling stock after each campaign, before the next one plans on it.",
    ),
    _t(
        "Order accuracy audit",
        "fulfilment",
        "high",
        "weekly on wednesday",
        ["50 packed orders checked against their pick lists", "Error rate recorded and shared"],
        ["wrong item sent", "missing item in parcel", "mispick"],
        ["WMS"],
        "order accuracy",
        INVENTORY,
        "Checking that what customers ordered is what is shipped.",
    ),
    _t(
        "Packaging and presentation standard",
        "fulfilment",
        "normal",
        "quarterly",
        ["Standard reviewed against returns for damage", "Packing station photos updated"],
        ["parcel damaged", "box crushed", "packaging"],
        ["WMS"],
        "order accuracy",
        LOGISTICS,
        "Products arriving in the condition the brand promises: presentation is key.",
    ),
    _t(
        "Pick-and-pack time review",
        "fulfilment",
        "normal",
        "monthly on the last business day",
        ["Median pick-and-pack time reported", "Slowest 3 steps named with an action"],
        ["packing slow", "pick time"],
        ["WMS"],
        "pick-and-pack time",
        LOGISTICS,
        "Watching the time from order to packed parcel, where margin leaks.",
    ),
    # --- Delivery --------------------------------------------------------------------------
    _t(
        "Holiday shipping cutoff sign-off",
        "delivery",
        "critical",
        "yearly on 1 november",
        [
            "Cutoff dates agreed with every carrier",
            "Dates published on site and in support macros",
            "Signed off by the logistics manager",
        ],
        ["holiday cutoff", "christmas delivery", "last order date"],
        ["storefront", "helpdesk"],
        "contact rate per order",
        LOGISTICS,
        "Who signs off the holiday shipping cutoffs.",
    ),
    _t(
        "Shipping promise consistency",
        "delivery",
        "critical",
        "monthly on the 15th",
        [
            "Order confirmation, site and support scripts promise the same days",
            "Promise met for 95% of last month's orders",
        ],
        ["delivery promise", "late delivery", "arrives in 3 days"],
        ["storefront", "ESP", "helpdesk"],
        "contact rate per order",
        LOGISTICS,
        "If the confirmation email promises delivery in three business days, someone owns that "
        "promise between operations and customer support.",
    ),
    _t(
        "Carrier performance review",
        "delivery",
        "high",
        "monthly on the first business day",
        ["On-time rate per carrier reported", "Claims for lost parcels filed within 7 days"],
        ["lost parcel", "carrier late", "tracking"],
        ["WMS"],
        "split-shipment rate",
        LOGISTICS,
        "Holding carriers to their contracts.",
    ),
    # --- Returns & refunds -----------------------------------------------------------------
    _t(
        "Returns notices",
        "returns-refunds",
        "high",
        "every business day",
        ["Every return received has its notice sent", "Notices tracked, none older than 2 days"],
        ["return label", "returns notice", "return received"],
        ["helpdesk", "WMS"],
        "return cycle time",
        SERVICE,
        "The formal notices of a return, sent and trackable.",
    ),
    _t(
        "Refund processing",
        "returns-refunds",
        "critical",
        "every business day",
        ["Refunds for returns received yesterday issued", "No refund older than 5 days pending"],
        ["where is my refund", "refund not received", "refund letter"],
        ["payment gateway", "ERP"],
        "refund delay",
        SERVICE,
        "Refunds paid on time.",
    ),
    _t(
        "Refund policy to support scripts",
        "returns-refunds",
        "high",
        "ad hoc",
        [
            "Every support script and email matches the new policy",
            "Team briefed, with the date written down",
        ],
        ["returns policy", "refund policy changed"],
        ["helpdesk", "CMS"],
        "contact rate per order",
        SERVICE,
        "When the refund policy changes, support scripts and emails are made to match.",
    ),
    _t(
        "Warranty claims",
        "returns-refunds",
        "normal",
        "weekly on tuesday",
        ["Every claim answered within 5 business days", "Supplier credit requested for each one"],
        ["warranty claim", "broken product"],
        ["helpdesk", "ERP"],
        "return cycle time",
        SERVICE,
        "Warranty claims decided, and charged back to suppliers.",
    ),
    # --- Customer service ------------------------------------------------------------------
    _t(
        "Campaign support briefing",
        "customer-service",
        "high",
        "1 business day before each campaign",
        ["Support has the codes, dates and known issues", "Macros updated and tested"],
        ["support script", "promo not working complaints", "support briefing"],
        ["helpdesk"],
        "contact rate per order",
        SERVICE,
        "Support hears about each campaign before customers ask about it.",
    ),
    _t(
        "Order status enquiries with warehouse",
        "customer-service",
        "normal",
        "every business day",
        ["Every open enquiry answered the same day", "Warehouse reply logged on the ticket"],
        ["where is my order", "order status"],
        ["helpdesk", "WMS"],
        "contact rate per order",
        SERVICE,
        "Checking order status with the warehouse, and telling the customer.",
    ),
    _t(
        "Chatbot answers review",
        "customer-service",
        "normal",
        "monthly on the 15th",
        ["20 chatbot conversations read", "Every wrong answer corrected in the bot"],
        ["chatbot wrong answer", "live chat"],
        ["helpdesk"],
        "contact rate per order",
        SERVICE,
        "The chatbot saying what the site and the policies say.",
    ),
    # --- Catalog & data --------------------------------------------------------------------
    _t(
        "Catalog attributes and rules",
        "catalog-data",
        "high",
        "monthly on the first business day",
        ["Every required attribute filled for live products", "Attribute owners listed"],
        ["filters wrong", "colour filter broken", "missing attributes"],
        ["PIM"],
        "conversion rate",
        SME,
        "Which attributes exist, who owns each, and the rules they follow.",
    ),
    _t(
        "Product content and merchandising",
        "catalog-data",
        "high",
        "weekly on thursday",
        ["Top 20 categories reviewed and sorted", "No live product without images"],
        ["photos missing", "category page", "merchandising"],
        ["PIM", "CMS"],
        "conversion rate",
        CONTENT,
        "How the catalog is presented, organised and enriched.",
        capability=True,
    ),
    _t(
        "Search and discovery quality",
        "catalog-data",
        "high",
        "monthly on the 15th",
        ["Top 50 searches return relevant products", "Zero-result searches reviewed and fixed"],
        ["site search no results", "search broken", "filters"],
        ["storefront", "PIM"],
        "conversion rate",
        SME,
        "The quality of on-site search and filtering.",
        capability=True,
    ),
    _t(
        "Data and analytics insights",
        "catalog-data",
        "high",
        "monthly on the last business day",
        ["Monthly report published", "3 actions proposed, each with an owner"],
        ["analytics", "dashboard", "kpi report"],
        ["analytics"],
        "conversion rate",
        ANALYST,
        "Turning the platform's activity into decisions.",
        capability=True,
    ),
    # --- Platform & integrations -----------------------------------------------------------
    _t(
        "ERP order and stock integration",
        "platform-integrations",
        "critical",
        "every business day",
        ["Every order of the last 24 hours in the ERP", "Integration errors at zero, or raised"],
        ["orders not in erp", "erp sync", "integration down"],
        ["ERP", "storefront"],
        "order accuracy",
        IT,
        "Orders and stock flowing between the store and the ERP.",
    ),
    _t(
        "PIM to storefront feed",
        "platform-integrations",
        "high",
        "every business day",
        ["Feed ran without errors", "Changed products live within 1 hour"],
        ["product feed", "feed failed"],
        ["PIM", "storefront"],
        "conversion rate",
        IT,
        "Product data reaching the store.",
    ),
    _t(
        "Campaign-day site performance",
        "platform-integrations",
        "critical",
        "on the day each campaign starts",
        [
            "Load test passed at 3 times normal traffic",
            "Pages load in under 2 seconds",
            "On-call engineer named",
        ],
        ["site slow", "site down", "performance"],
        ["storefront", "CDN"],
        "conversion rate",
        IT,
        "The site staying fast when the campaign's traffic arrives.",
    ),
    _t(
        "Technical architecture",
        "platform-integrations",
        "high",
        "quarterly",
        ["Integration map reviewed and updated", "Top 3 risks written down, each with an owner"],
        ["architecture", "tech debt", "integrations"],
        ["ERP", "PIM", "CMS", "storefront"],
        "order accuracy",
        IT,
        "The platform able to evolve, and its integrations healthy.",
        capability=True,
    ),
    # --- Finance & vendors -----------------------------------------------------------------
    _t(
        "Vendor communications",
        "finance-vendors",
        "normal",
        "weekly on monday",
        ["Every open supplier issue has a dated reply", "Late deliveries escalated in writing"],
        ["supplier late", "vendor email", "purchase order"],
        ["ERP"],
        "out-of-stock frequency",
        INVENTORY,
        "Formal communications with suppliers, tracked instead of scattered across inboxes.",
    ),
    _t(
        "Payment and refund reconciliation",
        "finance-vendors",
        "critical",
        "monthly on the last business day",
        ["Gateway payouts reconciled with orders and refunds", "Every difference over 1 explained"],
        ["invoice mismatch", "reconciliation", "payout"],
        ["payment gateway", "ERP"],
        "refund delay",
        ANALYST,
        "The money in matching the orders out.",
    ),
    _t(
        "Contracts and partner renewals",
        "finance-vendors",
        "high",
        "quarterly",
        ["Every contract ending in 90 days reviewed", "Renew or end decided in writing"],
        ["contract renewal", "agency contract", "partner"],
        ["contracts register"],
        "refund delay",
        HEAD_OF_DIGITAL,
        "Contracts and partnerships, renewed on purpose.",
    ),
)


# The promises most stores make, each owned by the task accountable for it and repeated by the
# tasks that keep the places customers read it: wordings to edit into the store's own.
PROMISES = (
    PromiseSpec(
        "Delivery within 3 business days",
        PromiseKind.DELIVERY_TIME,
        "Orders placed before 2 pm arrive within 3 business days.",
        "3 business days",
        "Shipping promise consistency",
        (
            ("Delivery options at checkout", "checkout delivery options"),
            ("Product page copy alignment", "product pages › Delivery line"),
            ("Chatbot answers review", "chatbot › When will my order arrive?"),
            ("Order status enquiries with warehouse", "support macros › Where is my order"),
        ),
    ),
    PromiseSpec(
        "Returns within 30 days",
        PromiseKind.RETURN_WINDOW,
        "Return any unused item within 30 days of delivery for a full refund.",
        "30 days",
        "Returns notices",
        (
            ("Refund policy to support scripts", "support macros › Returns"),
            ("Chatbot answers review", "chatbot › How do I return something?"),
            ("Product page copy alignment", "product pages › Returns line"),
        ),
    ),
    PromiseSpec(
        "Refunds within 5 business days",
        PromiseKind.REFUND_TIME,
        "Refunds reach your account within 5 business days of your return arriving.",
        "5 business days",
        "Refund processing",
        (
            ("Refund policy to support scripts", "support macros › Refunds"),
            ("Returns notices", "return received email"),
        ),
    ),
    PromiseSpec(
        "Free delivery over £50",
        PromiseKind.SHIPPING_THRESHOLD,
        "Free standard delivery on orders over £50.",
        "£50",
        "Delivery options at checkout",
        (
            ("Campaign email send", "campaign email header"),
            ("Abandoned cart emails", "abandoned cart email"),
        ),
    ),
    PromiseSpec(
        "Christmas delivery cutoff",
        PromiseKind.CUTOFF,
        "Order by 2 pm on 18 December for delivery before Christmas.",
        "2 pm, 18 December",
        "Holiday shipping cutoff sign-off",
        (
            ("Campaign email send", "campaign emails in December"),
            ("Delivery options at checkout", "checkout banner"),
            ("Chatbot answers review", "chatbot › Christmas delivery"),
        ),
    ),
)


def stages_offered() -> list[tuple[Stage, list[StarterTask]]]:
    """Every stage with the starter tasks for it, along the customer journey."""
    by_stage: dict[str, list[StarterTask]] = {}
    for task in TASKS:
        by_stage.setdefault(task.stage, []).append(task)
    return [(stage, by_stage.get(stage.slug, [])) for stage in Stage.objects.order_by("order")]


def apply_starter_map(*, stages: list[Stage], by: AbstractBaseUser | None) -> list[Task]:
    """Make the starter tasks of these stages that the map does not have yet (by name)."""
    slugs = {stage.slug: stage for stage in stages}
    wanted = [task for task in TASKS if task.stage in slugs]
    today = timezone.localdate()
    with transaction.atomic():
        present = set(
            Task.objects.annotate(lower=Lower("name"))
            .filter(lower__in=[task.name.lower() for task in wanted])
            .values_list("lower", flat=True)
        )
        tasks = []
        metrics = {spec.metric: metric_named(spec.metric, by=by) for spec in wanted}
        for spec in wanted:
            if spec.name.lower() in present:
                continue
            task = Task(
                name=spec.name,
                slug=unique_slug(spec.name),
                stage=slugs[spec.stage],
                criticality=spec.criticality,
                rhythm=rhythms.normalise(spec.rhythm),
                rhythm_set_on=today,
                definition_of_done=spec.done,
                aliases="\n".join(spec.aliases),
                systems="\n".join(spec.systems),
                metric=metrics[spec.metric],
                description=spec.full_description,
            )
            task.search_names = search_names_of(task)
            tasks.append(task)
        made = bulk_create_with_history(tasks, Task, default_user=by, default_change_reason=REASON)
        refresh_next_due(made)
        refresh_gap_facts(task.pk for task in made)
        reindex_tasks(task.pk for task in made)
        # Those whose owning task is on the map now, with the places it has.
        ensure_promises(PROMISES, by=by, reason=REASON)
    return made
