"""No path leaves a departed owner unflagged: an account deactivated anywhere (the admin, SCIM,
a shell) marks its person departed from that day, which flags what they own and puts their
handover on the dashboard (people_changes.pending_handovers). Receivers, not a write function
of ours: Django's own admin deactivates accounts, and so can anything that saves a User."""

from django.contrib.auth.models import User
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ownership.models import Person
from ownership.people_changes import mark_departed

DEACTIVATED = "its sign-in account was deactivated"


def _saves_is_active(update_fields) -> bool:
    # A sign-in saves last_login alone: no need to read anything for that.
    return update_fields is None or "is_active" in update_fields


@receiver(pre_save, sender=User, dispatch_uid="deprovision_remember")
def _remember_whether_active(sender, instance: User, update_fields=None, **kwargs) -> None:
    if instance.pk and _saves_is_active(update_fields):
        was = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
        instance._was_active = was  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="deprovision_departed")
def _departed_when_deactivated(sender, instance: User, update_fields=None, **kwargs) -> None:
    if instance.is_active or getattr(instance, "_was_active", None) is not True:
        return
    person = Person.objects.filter(user=instance, departed_on__isnull=True).first()
    if person is None:
        return
    # Who deactivated it, when it was someone signed in (the admin): as the history says it.
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    by = user if user is not None and user.is_authenticated else None
    mark_departed(person=person, on=timezone.localdate(), by=by, reason=DEACTIVATED)
