"""Keeps orders' ``search_text`` current when a customer's company name changes.

``partners`` knows nothing of orders, so renewals listens to the customer's ``post_save`` (connected
in ``RenewalsConfig.ready``). ``Customer.objects.update(company_name=…)`` sends no signal: rename
customers through ``save()`` (as the admin does).
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from partners.models import Customer

from .models import Order, current_search_text


@receiver(post_save, sender=Customer, dispatch_uid="renewals.refresh_search_text")
def refresh_search_text(sender, instance, created, update_fields=None, **kwargs):
    """Rewrite the customer's orders whose ``search_text`` no longer matches; none when nothing changed."""
    if created or (update_fields is not None and "company_name" not in update_fields):
        return
    Order.objects.filter(customer_id=instance.pk).exclude(search_text=current_search_text()).update(
        search_text=current_search_text()
    )
