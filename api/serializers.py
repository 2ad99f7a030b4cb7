"""What the API shows of each resource. Read-only but for the inputs of renew, reissue and notes."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from notifications.models import OutboxEmail, Reminder
from partners.models import Contact, Customer
from renewals.models import MAX_PLAN_YEARS, Certificate, Order, OrderNote
from renewals.validity import days_left


class CustomerSerializer(serializers.ModelSerializer):
    time_zone = serializers.CharField(source="effective_time_zone")
    language = serializers.CharField(source="effective_language")

    class Meta:
        model = Customer
        fields = ["id", "account_number", "company_name", "time_zone", "language", "created_at"]


class ContactSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    unsubscribed = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "email", "phone", "language", "unsubscribed", "unsubscribed_at"]

    def get_unsubscribed(self, contact) -> bool:
        return contact.unsubscribed_at is not None


class CertificateSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id")

    class Meta:
        model = Certificate
        fields = ["id", "order", "common_name", "sans", "serial", "not_before", "not_after", "created_at"]


class PriceSerializer(serializers.Serializer):
    list_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    currency = serializers.CharField()


@extend_schema_serializer(description=_("What renewing now would give: the facts the renew page shows."))
class QuoteSerializer(serializers.Serializer):
    """``renewals.selectors.renewal_preview``: what renewing now would give (the renew page's facts)."""

    is_open = serializers.BooleanField(source="quote.is_open")
    opens_on = serializers.DateField(source="quote.opens_on")
    renew_on = serializers.DateField(source="quote.renew_on")
    plan_years = serializers.IntegerField(source="quote.plan_years")
    new_term_start = serializers.DateField(source="quote.new_term_start")
    new_term_end = serializers.DateField(source="quote.new_term_end")
    carried_days = serializers.IntegerField(source="quote.carried_days")
    certificate_ends_on = serializers.DateField()
    product = serializers.IntegerField(source="product.pk")
    price = PriceSerializer(allow_null=True, help_text=_("null: the partner's price list does not sell this plan."))


@extend_schema_serializer(
    description=_(
        "`window` is the dashboard's window key the order falls in today (the partner's calendar), null "
        "when none does; `action` is renew, reissue or renewed, as the dashboard's rows say."
    )
)
class OrderSerializer(serializers.ModelSerializer):
    """``window`` is the dashboard's window key the order falls in today (partner's calendar), null
    when none does; ``action`` is renew, reissue or renewed, as the dashboard's rows say."""

    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.company_name")
    product = serializers.IntegerField(source="product_id")
    product_name = serializers.CharField(source="product.name")
    renewed_from = serializers.IntegerField(source="renewed_from_id", allow_null=True)
    renewal = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()
    window = serializers.SerializerMethodField()
    action = serializers.CharField()

    class Meta:
        model = Order
        fields = [
            "id",
            "order_number",
            "customer",
            "customer_name",
            "product",
            "product_name",
            "common_name",
            "sans",
            "plan_years",
            "term_start",
            "term_end",
            "expires_on",
            "days_left",
            "window",
            "action",
            "status",
            "renewal_notices",
            "renewed_from",
            "renewal",
            "price",
            "currency",
            "created_at",
        ]

    def get_renewal(self, order) -> int | None:
        renewal = getattr(order, "renewal", None)
        return renewal.pk if renewal is not None else None

    def get_days_left(self, order) -> int:
        return days_left(order.expires_on, self.context["today"])

    def get_window(self, order) -> str | None:
        left = days_left(order.expires_on, self.context["today"])
        return next((window.key for window in self.context["windows"] if window.contains(left)), None)


class OrderDetailSerializer(OrderSerializer):
    certificates = CertificateSerializer(many=True)
    quote = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "certificates", "quote"]

    @extend_schema_field(QuoteSerializer(allow_null=True))
    def get_quote(self, order):
        """The renewal quote; null once the order is renewed or cancelled."""
        preview = self.context.get("quotes", {}).get(order.pk)
        return QuoteSerializer(preview).data if preview is not None else None


class RenewRequestSerializer(serializers.Serializer):
    plan_years = serializers.IntegerField(min_value=1, max_value=MAX_PLAN_YEARS, required=False)
    product = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text=_("A product the renewal may switch to.")
    )


class RenewResponseSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text=_("false: the order was renewed already; this is that renewal."))
    renewal = OrderSerializer()


class ReissueResponseSerializer(serializers.Serializer):
    requested = serializers.BooleanField(help_text=_("false: no reissue is due (or one was requested already)."))
    order = OrderSerializer()


class NoteSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id", read_only=True)
    author = serializers.SerializerMethodField()
    body = serializers.CharField(max_length=4000)

    class Meta:
        model = OrderNote
        fields = ["id", "order", "author", "body", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_author(self, note) -> str | None:
        return note.author.get_username() if note.author_id else None


@extend_schema_serializer(
    description=_("`email_status`: the status of the latest email that carried this reminder (null: none yet).")
)
class ReminderSerializer(serializers.ModelSerializer):
    """``email_status``: the status of the latest email that carried this reminder (null: none yet)."""

    order = serializers.IntegerField(source="order_id")
    email_status = serializers.CharField(allow_null=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "order",
            "kind",
            "ends_on",
            "threshold_days",
            "created_at",
            "cancelled_at",
            "cancel_reason",
            "email_status",
        ]


class OutboxEmailSerializer(serializers.ModelSerializer):
    contact = serializers.IntegerField(source="contact_id")

    class Meta:
        model = OutboxEmail
        fields = [
            "id",
            "contact",
            "kind",
            "to_email",
            "subject",
            "status",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "last_error",
            "created_at",
        ]
