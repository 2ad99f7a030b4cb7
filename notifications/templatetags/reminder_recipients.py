"""``{% order_recipients order %}``: Quick View's card of who is told of an order's reminders, with
its form (the order's own recipients), rendered from this app's form."""

from django import template

from notifications.forms import AddressListForm

register = template.Library()


@register.inclusion_tag("notifications/_order_recipients.html", takes_context=True)
def order_recipients(context, order):
    customer = order.customer
    return {
        "order": order,
        "customer": customer,
        "panel": context.get("panel"),
        "csrf_token": context.get("csrf_token"),
        "form": AddressListForm(initial={"addresses": order.reminder_recipients}, auto_id="order-recipients-%s"),
    }
