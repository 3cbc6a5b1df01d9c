"""A campaign's new dates reach its review (scheduling.follow_campaign). A receiver, because
the campaign's write function (tasks_registry.campaigns.update_campaign) is the calendar's
and knows nothing of reviews; it saves the fields it changed, which is how this one tells."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from reviews import scheduling
from tasks_registry.models import Campaign


@receiver(post_save, sender=Campaign, dispatch_uid="reviews_follow_campaign")
def _follow_dates(sender, instance: Campaign, created: bool, update_fields=None, **kwargs) -> None:
    if created or not {"starts_at", "ends_at"} & set(update_fields or ()):
        return
    scheduling.follow_campaign(instance, by=getattr(instance, "_history_user", None))
