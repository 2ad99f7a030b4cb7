"""The REST API's resources: thin views over the apps' selectors and services.

Every queryset starts from ``Model.objects.for_partner(token's partner)``, the pages' one scoping
path, so another partner's id is simply absent: a 404, never a 403.
"""

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, UnsupportedMediaType, ValidationError
from rest_framework.response import Response

from notifications.models import EmailKind, EmailStatus, OutboxEmail, OutboxItem, Reminder
from partners.models import MAX_ID, Contact, Customer
from renewals.expiring import ACTIONS, SEARCH_MAX_LENGTH, SORTS, in_window, listing_order
from renewals.filters import ExpiringFilter
from renewals.models import Certificate, Order, OrderNote, ValidationLevel
from renewals.selectors import renewal_preview
from renewals.services import (
    RenewalError,
    RenewalNotAllowed,
    add_note,
    reissue_certificate,
    renew_order,
    upgrade_choices,
)
from renewals.windows import ALL, partner_windows, windows_for

from . import serializers
from .idempotency import HEADER, idempotent
from .models import ApiToken

# Any segment reaches the view, which answers a JSON 404 for one that is not an id.
ID_PATTERN = r"[^/]+"


def id_parameter(name, description):
    return OpenApiParameter(name, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description=description)


IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    location=OpenApiParameter.HEADER,
    description=gettext_lazy(
        "Any unique string (a UUID): a retry with the same key gets the first answer; "
        "the same key with another request is refused with 422."
    ),
)


class PartnerViewSet(viewsets.GenericViewSet):
    """The token's partner's rows of ``model``, paged by id (newest last)."""

    model = None
    lookup_url_kwarg = "id"
    lookup_value_regex = ID_PATTERN
    # Query parameters naming an id column: ``{parameter: column}``.
    id_filters = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A form-encoded body would be read as empty (the NUL guard has consumed the stream): refused.
        content_type = request.content_type.split(";")[0].strip().lower()
        if request.method == "POST" and content_type and content_type != "application/json":
            raise UnsupportedMediaType(content_type)

    @property
    def partner(self):
        token = self.request.auth if self.request else None
        return token.partner if isinstance(token, ApiToken) else None

    def scoped(self):
        return self.model.objects.for_partner(self.partner)

    def get_queryset(self):
        return self.filter_ids(self.scoped())

    def filter_ids(self, queryset):
        params = self.request.query_params
        for name, column in self.id_filters.items():
            value = params.get(name)
            if value is None:
                continue
            if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
                raise ValidationError({name: [_("Enter an id (a positive whole number).")]})
            queryset = queryset.filter(**{column: int(value)})
        return queryset

    def get_object(self):
        value = self.kwargs[self.lookup_url_kwarg]
        if not value.isdigit() or int(value) > MAX_ID:
            raise NotFound()
        try:
            obj = self.scoped_for_detail().get(pk=int(value))
        except self.model.DoesNotExist:
            raise NotFound() from None
        self.check_object_permissions(self.request, obj)
        return obj

    def scoped_for_detail(self):
        return self.scoped()

    def keyset_ordering(self, request):
        return ("id",)


class ReadOnlyPartnerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PartnerViewSet):
    pass


@extend_schema_view(list=extend_schema(parameters=[]))
class CustomerViewSet(ReadOnlyPartnerViewSet):
    model = Customer
    serializer_class = serializers.CustomerSerializer

    def scoped(self):
        return super().scoped().select_related("partner")


@extend_schema_view(
    list=extend_schema(parameters=[id_parameter("customer", gettext_lazy("Only this customer's contacts."))])
)
class ContactViewSet(ReadOnlyPartnerViewSet):
    model = Contact
    serializer_class = serializers.ContactSerializer
    id_filters = {"customer": "customer_id"}


@extend_schema_view(
    list=extend_schema(parameters=[id_parameter("order", gettext_lazy("Only this order's certificates."))])
)
class CertificateViewSet(ReadOnlyPartnerViewSet):
    model = Certificate
    serializer_class = serializers.CertificateSerializer
    id_filters = {"order": "order_id"}


def latest_email_status():
    items = OutboxItem.objects.filter(reminder=OuterRef("pk")).order_by("-email__created_at", "-email_id")
    return Subquery(items.values("email__status")[:1])


@extend_schema_view(
    list=extend_schema(parameters=[id_parameter("order", gettext_lazy("Only this order's reminders."))])
)
class ReminderViewSet(ReadOnlyPartnerViewSet):
    model = Reminder
    serializer_class = serializers.ReminderSerializer
    id_filters = {"order": "order_id"}

    def scoped(self):
        return super().scoped().annotate(email_status=latest_email_status())


@extend_schema_view(
    list=extend_schema(
        parameters=[
            id_parameter("contact", gettext_lazy("Only emails to this contact.")),
            OpenApiParameter("status", OpenApiTypes.STR, enum=EmailStatus.values),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=EmailKind.values),
        ]
    )
)
class OutboxViewSet(ReadOnlyPartnerViewSet):
    model = OutboxEmail
    serializer_class = serializers.OutboxEmailSerializer
    id_filters = {"contact": "contact_id"}

    def get_queryset(self):
        queryset = super().get_queryset()
        for name, choices in (("status", EmailStatus.values), ("kind", EmailKind.values)):
            value = self.request.query_params.get(name)
            if value is not None:
                if value not in choices:
                    raise ValidationError({name: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}]})
                queryset = queryset.filter(**{name: value})
        return queryset


@extend_schema_view(list=extend_schema(parameters=[id_parameter("order", gettext_lazy("Only this order's notes."))]))
class NoteViewSet(ReadOnlyPartnerViewSet):
    model = OrderNote
    serializer_class = serializers.NoteSerializer
    id_filters = {"order": "order_id"}

    def scoped(self):
        return super().scoped().select_related("author")


DEFAULT_WINDOW_KEYS = [window.key for window in (*windows_for(), ALL)]
ORDER_FILTERS = [
    OpenApiParameter(
        "window",
        {"type": "string", "enum": DEFAULT_WINDOW_KEYS},
        description=gettext_lazy(
            "The dashboard's window tab: expired, the upper edge in days, later or all. The "
            "edges follow the partner's renewal thresholds (listed here: the default 90, 60, 30, 7)."
        ),
    ),
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": SEARCH_MAX_LENGTH, "pattern": "^[^\\x00]*$"},
        description=gettext_lazy("Order number, common name or customer (substring)."),
    ),
    OpenApiParameter(
        "product", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description=gettext_lazy("A product id.")
    ),
    OpenApiParameter("level", OpenApiTypes.STR, enum=ValidationLevel.values),
    OpenApiParameter("notices", OpenApiTypes.STR, enum=["on", "off"]),
    OpenApiParameter("action", OpenApiTypes.STR, enum=[key for key, _label in ACTIONS]),
    OpenApiParameter(
        "silent",
        OpenApiTypes.STR,
        description=gettext_lazy(
            "Present (and not false or 0, as on the dashboard, e.g. silent=on): notices off and "
            "expiring within 30 days."
        ),
    ),
    id_parameter("customer", gettext_lazy("Only this customer's orders.")),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=[key for key, _label in SORTS]),
]


@extend_schema_view(
    list=extend_schema(
        parameters=ORDER_FILTERS,
        description=gettext_lazy(
            "The Expiring Certificates list: the same query parameters and the same rows "
            "(cancelled orders are left out), ordered by expiry then id."
        ),
    ),
)
class OrderViewSet(ReadOnlyPartnerViewSet):
    model = Order
    serializer_class = serializers.OrderSerializer

    def today(self):
        return timezone.localdate(timezone=self.partner.tzinfo)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.partner is not None:
            context |= {"today": self.today(), "windows": partner_windows(self.partner)}
        return context

    def get_serializer_class(self):
        return serializers.OrderDetailSerializer if self.action == "retrieve" else serializers.OrderSerializer

    def get_queryset(self):
        self.listing = ExpiringFilter(self.request.query_params, partner=self.partner, today=self.today())
        if self.listing.ignored:
            raise ValidationError({name: [_("Not understood.")] for name in self.listing.ignored})
        orders = in_window(self.listing.qs, window=self.listing.selected_window, today=self.today())
        return orders.select_related("customer", "product", "renewal")

    def keyset_ordering(self, request):
        return listing_order(self.listing.selected_sort)

    def scoped_for_detail(self):
        return (
            self.scoped()
            .select_related("customer__partner", "product", "renewal", "partner")
            .prefetch_related("certificates")
        )

    def retrieve(self, request, *args, **kwargs):
        order = self.get_object()
        quotes = {order.pk: renewal_preview(order=order, at=timezone.now())} if order.is_live else {}
        context = self.get_serializer_context() | {"quotes": quotes}
        return Response(serializers.OrderDetailSerializer(order, context=context).data)

    def order_data(self, order):
        order = self.scoped().select_related("customer", "product", "renewal").get(pk=order.pk)
        return serializers.OrderSerializer(order, context=self.get_serializer_context()).data

    @extend_schema(
        request=serializers.RenewRequestSerializer,
        responses={200: serializers.RenewResponseSerializer, 201: serializers.RenewResponseSerializer},
        parameters=[IDEMPOTENCY_KEY],
        description=gettext_lazy(
            "Renew the order now (201), or get the renewal made already (200). 409 with the "
            "reason when it cannot be renewed (not open yet, cancelled, not on the price list)."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def renew(self, request, *args, **kwargs):
        order = self.get_object()
        params = serializers.RenewRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        product = None
        if "product" in params.validated_data:
            product = (
                upgrade_choices(order.product, partner=self.partner).filter(pk=params.validated_data["product"]).first()
            )
            if product is None:
                raise ValidationError({"product": [_("This order cannot be renewed as that product.")]})
        try:
            result = renew_order(
                order=order,
                by=request.auth.created_by,
                at=timezone.now(),
                plan_years=params.validated_data.get("plan_years"),
                product=product,
            )
        except RenewalNotAllowed as refused:
            raise PermissionDenied(str(refused)) from refused
        except RenewalError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        body = {"created": result.created, "renewal": self.order_data(result.order)}
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: serializers.ReissueResponseSerializer}, parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"])
    @idempotent
    def reissue(self, request, *args, **kwargs):
        order = self.get_object()
        try:
            requested = reissue_certificate(order=order, by=request.auth.created_by, at=timezone.now())
        except RenewalNotAllowed as refused:
            raise PermissionDenied(str(refused)) from refused
        return Response({"requested": requested, "order": self.order_data(order)})

    @extend_schema(
        methods=["post"],
        request=serializers.NoteSerializer,
        responses={201: serializers.NoteSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], serializer_class=serializers.NoteSerializer)
    @idempotent
    def notes(self, request, *args, **kwargs):
        order = self.get_object()
        params = serializers.NoteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            note = add_note(order=order, by=request.auth.created_by, body=params.validated_data["body"])
        except RenewalNotAllowed as refused:
            raise PermissionDenied(str(refused)) from refused
        except RenewalError as refused:
            raise ValidationError({"body": [str(refused)]}) from refused
        return Response(serializers.NoteSerializer(note).data, status=status.HTTP_201_CREATED)
