"""Products, orders (paid terms) and the certificates issued under them."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, transaction
from django.db.models import F, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Concat, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Customer, Partner
from partners.tenancy import PartnerScopedManager, PartnerScopedQuerySet

from .money import Currency, has_sub_unit_digits, sub_unit_error
from .validity import expiry_day, lifetime, renewal_opens_on

MAX_PLAN_YEARS = 3
# Orders made in the portal are numbered from here, per partner (imported ones keep their numbers).
ORDER_NUMBER_BASE = 20_000_000


def order_number_for(sequence: int) -> str:
    return str(ORDER_NUMBER_BASE + sequence)


class ValidationLevel(models.TextChoices):
    DV = "DV", _("Domain validation (DV)")
    OV = "OV", _("Organization validation (OV)")
    EV = "EV", _("Extended validation (EV)")


class Product(models.Model):
    """A certificate product of the catalogue, with the benefits a renewal reminder stresses."""

    code = models.SlugField(_("code"), unique=True)
    brand = models.CharField(_("brand"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    validation_level = models.CharField(_("validation level"), max_length=2, choices=ValidationLevel.choices)
    is_wildcard = models.BooleanField(_("wildcard"), default=False)
    is_multi_domain = models.BooleanField(_("multi-domain"), default=False)
    site_seal = models.BooleanField(_("site seal"), default=False)
    warranty_amount = models.DecimalField(_("warranty amount (USD)"), max_digits=12, decimal_places=0, default=0)
    malware_scan = models.BooleanField(_("malware scan"), default=False)
    ct_log_monitoring = models.BooleanField(_("CT log monitoring"), default=False)
    priority_support = models.BooleanField(_("priority support"), default=False)
    lifecycle_management = models.BooleanField(_("lifecycle management"), default=False)
    list_price = models.DecimalField(
        _("yearly list price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KRW)
    is_active = models.BooleanField(_("on sale"), default=True)
    # The brand's next step up (Secure Site → Secure Site Pro, OV → EV): what a renewal suggests.
    upgrade_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="upgrade_from",
        verbose_name=_("upgrade path"),
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["brand", "name"]
        constraints = [models.CheckConstraint(condition=Q(list_price__gte=0), name="product_price_not_negative")]

    def __str__(self):
        return self.name


class PartnerPrice(models.Model):
    """A partner's own price for a product on a plan of N years, in the partner's currency.

    Each partner sells from its own price list (a US partner quotes dollars); a product or plan
    length without a row here is not for sale by that partner. A discount applies on top."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="prices", verbose_name=_("partner"))
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="partner_prices", verbose_name=_("product")
    )
    plan_years = models.PositiveSmallIntegerField(
        _("plan (years)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PLAN_YEARS)]
    )
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("partner price")
        verbose_name_plural = _("partner prices")
        ordering = ["partner", "product__brand", "product__name", "plan_years"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "product", "plan_years"], name="partner_price_unique_product_plan"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="partner_price_not_negative"),
            models.CheckConstraint(
                condition=Q(plan_years__gte=1, plan_years__lte=MAX_PLAN_YEARS), name="partner_price_plan_years_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.partner} · {self.product} · {self.plan_years}y"

    @property
    def currency(self):
        return self.partner.currency

    def clean(self):
        if self.price is not None and self.partner_id and has_sub_unit_digits(self.price, self.partner.currency):
            raise ValidationError({"price": sub_unit_error(self.partner.currency)})


class OrderStatus(models.TextChoices):
    AWAITING_ISSUANCE = "awaiting_issuance", _("Awaiting issuance")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


# Columns the database writes (triggers), never Django.
DATABASE_OWNED = frozenset({"renewed_at"})
# Renewed already: the query twin of ``Order.renewal`` existing, read from the row's own column.
RENEWED = Q(renewed_at__isnull=False)

# The serving certificate ends before the paid term does (a free reissue, not a sale): the query
# twin of ``Order.needs_reissue``.
ENDS_INSIDE_TERM = Q(expires_on__lt=F("term_end"))


# ``Order.search_text``: the order number, common name and customer's company name, joined by a
# newline and upper-cased by the database, as Django's ``icontains`` folds both sides on PostgreSQL.
# Folding in SQL, never in Python, keeps the stored text and the folded term in agreement whatever
# the server's locale. A term holding the separator is searched the slow way (``renewals/search.py``).
SEARCH_SEPARATOR = "\n"
# The fields ``search_text`` is made of: writing any of them recomputes it.
SEARCH_SOURCES = frozenset({"order_number", "common_name", "customer", "customer_id"})


def current_search_text(order_number=None, common_name=None):
    """``search_text`` recomputed in an UPDATE from each row's own columns and its customer's current
    company name; the arguments stand in for columns the same UPDATE assigns (SET reads old values)."""
    company = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("company_name")[:1])
    return Upper(
        Concat(
            F("order_number") if order_number is None else order_number,
            Value(SEARCH_SEPARATOR),
            F("common_name") if common_name is None else common_name,
            Value(SEARCH_SEPARATOR),
            company,
            output_field=TextField(),
        )
    )


def folded(texts, using="default"):
    """``texts`` upper-cased by the database (what its ``UPPER`` makes of them), in one query: for
    rows written in bulk, where an expression per row would make Django compile a subquery per row."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT upper(t) FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n", [texts])
            return [row[0] for row in cursor.fetchall()]
        result = []
        for start in range(0, len(texts), 500):
            chunk = texts[start : start + 500]
            cursor.execute("SELECT " + ", ".join(["UPPER(%s)"] * len(chunk)), chunk)
            result.extend(cursor.fetchone())
        return result


class OrderQuerySet(PartnerScopedQuerySet):
    """Bulk writes keep ``search_text`` current too, so no write path leaves it stale (a customer's
    renaming is ``renewals/receivers.py``)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        # The company names of the customers given with the orders (as every other value is taken
        # from the objects), the others' read in chunks.
        names = {order.customer_id: order.customer.company_name for order in objs if Order.customer.is_cached(order)}
        customer_ids = sorted({order.customer_id for order in objs} - names.keys())
        for start in range(0, len(customer_ids), 1000):
            chunk = customer_ids[start : start + 1000]
            names.update(Customer.objects.using(self.db).filter(pk__in=chunk).values_list("pk", "company_name"))
        texts = [SEARCH_SEPARATOR.join([o.order_number, o.common_name, names[o.customer_id]]) for o in objs]
        for order, text in zip(objs, folded(texts, using=self.db), strict=True):
            order.search_text = text
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        """Also ``bulk_update``, which updates through here."""
        if "search_text" in kwargs or not SEARCH_SOURCES.intersection(kwargs):
            return super().update(**kwargs)
        if "customer" in kwargs or "customer_id" in kwargs:
            # The new customer's name is read once the rows point to it.
            with transaction.atomic(using=self.db):
                pks = list(self.values_list("pk", flat=True))
                updated = super().update(**kwargs)
                Order.objects.using(self.db).filter(pk__in=pks).update(search_text=current_search_text())
            return updated
        kwargs["search_text"] = current_search_text(
            order_number=_as_value(kwargs.get("order_number")), common_name=_as_value(kwargs.get("common_name"))
        )
        return super().update(**kwargs)

    def live(self):
        """Orders neither cancelled nor renewed: what still needs someone to act (``Order.is_live``)."""
        return self.exclude(status=OrderStatus.CANCELLED).filter(renewal__isnull=True)

    def remindable(self):
        """Live orders whose renewal notices are on (``Order.is_remindable``)."""
        return self.live().filter(renewal_notices=True)


def _as_value(value):
    """An UPDATE's new value for a text column, as an expression (a plain string becomes a Value)."""
    return Value(value, output_field=TextField()) if isinstance(value, str) else value


class Order(models.Model):
    """A product bought for a plan of N years: its term is what the customer has paid for.

    Dates of the term are calendar days in the customer's time zone. ``term_end`` is the last paid
    day and ``expires_on`` the last day the serving certificate works (the day of its ``notAfter``):
    an order that expires on 2021-01-01 still works that day and has lapsed on 2021-01-02.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="orders", verbose_name=_("partner"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders", verbose_name=_("customer"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="orders", verbose_name=_("product"))
    order_number = models.CharField(_("order number"), max_length=32)
    common_name = models.CharField(_("common name"), max_length=255)
    sans = models.JSONField(_("subject alternative names"), default=list, blank=True)
    plan_years = models.PositiveSmallIntegerField(
        _("plan (years)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PLAN_YEARS)]
    )
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    expires_on = models.DateField(
        _("expires on"),
        help_text=_(
            "The last day the serving certificate works (the term's last day when it lasts the term, "
            "or none is issued)."
        ),
    )
    carried_days = models.PositiveIntegerField(_("days carried over"), default=0)
    status = models.CharField(_("status"), max_length=24, choices=OrderStatus.choices, default=OrderStatus.ACTIVE)
    renewal_notices = models.BooleanField(_("renewal notices"), default=True)
    reminder_recipients = models.JSONField(
        _("reminder recipients of this order"),
        default=list,
        blank=True,
        help_text=_(
            "When set, this order's reminders go to these addresses instead of the customer's contacts "
            "and additional recipients."
        ),
    )
    # When the order began waiting for the CA's certificate (a renewal, or a reissue of this order),
    # set with the request; support's issuance reminders count the days from it (``notifications``).
    awaiting_issuance_since = models.DateTimeField(_("awaiting issuance since"), null=True, blank=True, editable=False)
    # When the reminder sweep should look at this order next (healthchecks' "alert_after"): the sweep
    # reads only orders whose time has come, so its work grows with what is due, not with the table.
    next_reminder_at = models.DateTimeField(_("next reminder check"), null=True, blank=True, default=timezone.now)
    # When the order's renewal was made (the renewal's ``created_at``), NULL while it has none. The
    # database keeps it (triggers of migration 0010 on the renewal's insert, delete or relinking), so
    # "renewed" is a column of the row: the dashboard's, the home page's and the reports' counts read
    # it without joining each order to its renewal. Django never writes it (``save``).
    renewed_at = models.DateTimeField(_("renewed at"), null=True, blank=True, editable=False)
    renewed_from = models.OneToOneField(
        "self",
        # RESTRICT: an order with a renewal cannot be deleted alone, but goes with its partner.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="renewal",
        verbose_name=_("renewal of"),
    )
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2, default=Decimal("0"))
    price = models.DecimalField(_("price paid"), max_digits=12, decimal_places=2, default=Decimal("0"))
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.KRW)
    # The offer and the variant of it a renewal was sold with (the experiment report counts these).
    # RESTRICT: an offer with renewals cannot be deleted alone, but goes with its partner.
    offer = models.ForeignKey(
        "offers.Offer",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("offer"),
    )
    offer_variant = models.ForeignKey(
        "offers.OfferVariant",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("offer variant"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The dashboard's search reads this one column (SEARCH_SEPARATOR). On PostgreSQL, migration 0005
    # adds its indexes: a trigram GIN index (a selective term's rows) and order_partner_search_idx,
    # the expiry index with this column included (a partner's rows in page order, tested without
    # visiting the table). Both are PostgreSQL-only, so they are not declared here.
    search_text = models.TextField(_("search text"), blank=True, default="", editable=False)

    objects = models.Manager.from_queryset(OrderQuerySet)()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["term_end", "order_number"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "order_number"], name="order_unique_number_per_partner"),
            models.CheckConstraint(condition=Q(term_end__gt=F("term_start")), name="order_term_ends_after_start"),
            models.CheckConstraint(
                condition=Q(plan_years__gte=1, plan_years__lte=MAX_PLAN_YEARS), name="order_plan_years_in_range"
            ),
            models.CheckConstraint(condition=Q(price__gte=0, list_price__gte=0), name="order_prices_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="order_discount_is_a_percentage"
            ),
            models.CheckConstraint(condition=~Q(renewed_from=F("pk")), name="order_not_renewal_of_itself"),
        ]
        indexes = [
            # The dashboard's windows and the reminder sweep: a partner's orders by end of term. On
            # PostgreSQL it also carries id, status and renewed_at (migration 0012; INCLUDE is not
            # declared here, SQLite has none), so the renewal rate by month reads the index alone.
            models.Index(fields=["partner", "term_end"], name="order_partner_term_end_idx"),
            # The dashboard's windows, counts and sort: a partner's orders by expiry.
            # Partial (cancelled orders are never listed), so the window counts can be index-only scans.
            models.Index(
                fields=["partner", "expires_on", "id"],
                name="order_partner_expires_idx",
                condition=~Q(status="cancelled"),
            ),
            models.Index(
                fields=["next_reminder_at"], name="order_next_reminder_idx", condition=Q(next_reminder_at__isnull=False)
            ),
        ]

    def __str__(self):
        return self.order_number

    def save(self, *args, **kwargs):
        if self.expires_on is None:
            self.expires_on = self.term_end
        if not self._state.adding and not kwargs.get("force_insert"):
            # An instance loaded before its renewal was made would write NULL over the database's value.
            fields = kwargs.get("update_fields")
            if fields is None:
                fields = [f.name for f in self._meta.concrete_fields if not f.primary_key]
            kwargs["update_fields"] = [name for name in fields if name not in DATABASE_OWNED]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not SEARCH_SOURCES.intersection(update_fields):
            super().save(*args, **kwargs)
            return
        self.search_text = self.search_text_expression()
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        try:
            super().save(*args, **kwargs)
        finally:
            self.forget_search_text()

    def search_text_expression(self):
        """This order's ``search_text``, folded by the database when the row is written. The company
        name is read in the same statement, so a customer object loaded earlier cannot make it stale."""
        company = Subquery(Customer.objects.filter(pk=self.customer_id).values("company_name")[:1])
        return Upper(
            Concat(
                Value(SEARCH_SEPARATOR.join([self.order_number, self.common_name, ""])),
                company,
                output_field=TextField(),
            )
        )

    def forget_search_text(self):
        """After a write the attribute holds an expression: drop it, so reading it loads the stored text."""
        self.__dict__.pop("search_text", None)

    @property
    def names(self):
        """Every name the order covers: the common name first, then the other SANs."""
        return [self.common_name, *[name for name in self.sans if name != self.common_name]]

    @property
    def is_live(self):
        """Neither cancelled nor renewed: reminders and resends still apply (``Order.objects.live``).
        Select ``renewal`` with lists to avoid a query per row."""
        return self.status != OrderStatus.CANCELLED and getattr(self, "renewal", None) is None

    @property
    def is_remindable(self):
        """Live, with its renewal notices on (``Order.objects.remindable``)."""
        return self.is_live and self.renewal_notices

    @property
    def needs_reissue(self):
        """The serving certificate ends before the paid term does (``ENDS_INSIDE_TERM``)."""
        return self.expires_on < self.term_end

    @property
    def renewal_opens_on(self):
        return renewal_opens_on(self.term_end)

    @property
    def action(self):
        """What the order needs: "renewed" (done), "reissue" (a certificate ends inside the paid
        term) or "renew" (the term ends). Select ``renewal`` with lists to avoid a query per row."""
        if getattr(self, "renewal", None) is not None:
            return "renewed"
        return "reissue" if self.needs_reissue else "renew"

    def refresh_expiry(self):
        """Recompute ``expires_on`` after a certificate is recorded: the day of the serving
        certificate's ``notAfter`` in the customer's time zone, never past the term."""
        latest = self.certificates.order_by("-not_after").first()
        expires_on = self.term_end
        if latest is not None:
            expires_on = min(self.term_end, latest.expires_on(self.customer.tzinfo))
        Order.objects.filter(pk=self.pk).update(expires_on=expires_on)
        self.expires_on = expires_on

    @property
    def latest_certificate(self):
        """The certificate issued last (from a prefetch of ``certificates`` when there is one)."""
        certificates = sorted(self.certificates.all(), key=lambda c: c.not_after, reverse=True)
        return certificates[0] if certificates else None

    def clean(self):
        if self.customer_id and self.partner_id and self.customer.partner_id != self.partner_id:
            raise ValidationError({"customer": _("The customer belongs to another partner.")})


class Certificate(models.Model):
    """One issued certificate under an order. Instants are UTC; its lifetime obeys the cap in force."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("order"))
    common_name = models.CharField(_("common name"), max_length=255)
    sans = models.JSONField(_("subject alternative names"), default=list, blank=True)
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("not before"))
    not_after = models.DateTimeField(_("not after"))
    pem = models.TextField(_("PEM"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PartnerScopedManager()
    partner_lookup = "order__partner"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-not_after"]
        constraints = [
            models.CheckConstraint(condition=Q(not_after__gt=F("not_before")), name="certificate_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["order", "-not_after"], name="certificate_order_end_idx"),
            models.Index(fields=["not_after"], name="certificate_not_after_idx"),
        ]

    def __str__(self):
        return f"{self.common_name} ({self.serial})"

    def expires_on(self, zone):
        """The date a person reads as "expires": the day of ``notAfter`` in ``zone``."""
        return expiry_day(self.not_after, zone)

    @property
    def lifetime_days(self):
        return lifetime(not_before=self.not_before, not_after=self.not_after).days


class OrderNote(models.Model):
    """A dated note by staff on an order ("post-sale call: will renew in December"). Kept forever."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes", verbose_name=_("order"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("note"), max_length=4000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    objects = PartnerScopedManager()
    partner_lookup = "order__partner"

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.body[:60]


class NoticeChange(models.Model):
    """Who turned an order's renewal notices on or off, and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notice_changes", verbose_name=_("order"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    old_value = models.BooleanField(_("before"))
    new_value = models.BooleanField(_("after"))

    objects = PartnerScopedManager()
    partner_lookup = "order__partner"

    class Meta:
        verbose_name = _("renewal notices change")
        verbose_name_plural = _("renewal notices changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.order} {self.old_value} → {self.new_value}"


class RenewalLinkOpen(models.Model):
    """A customer opened an order's renewal page (a GET of its signed link): the time, nothing else.
    The reminder funnel and the experiment report count these."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="link_opens", verbose_name=_("order"))
    opened_at = models.DateTimeField(_("opened at"), db_index=True)

    objects = PartnerScopedManager()
    partner_lookup = "order__partner"

    class Meta:
        verbose_name = _("renewal link open")
        verbose_name_plural = _("renewal link opens")
        indexes = [models.Index(fields=["order", "opened_at"], name="link_open_order_idx")]

    def __str__(self):
        return f"{self.order_id} @ {self.opened_at:%Y-%m-%d %H:%M}"


class BannerDismissal(models.Model):
    """A staff member closed the console banner for a day (in the partner's time zone)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "partner", "day"], name="banner_dismissed_once_per_day"),
        ]

    def __str__(self):
        return f"{self.user_id} · {self.day}"


class AutoRenewalStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RENEWED = "renewed", _("Renewed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class AutoRenewal(models.Model):
    """An order the customer (or staff for them) asked to renew without being asked again (issue 15).

    One row per order: turning auto-renew off and on again updates it. ``renew_on`` is the customer's
    day on which the sweep renews it (the term's end less the partner's ``auto_renew_days``), kept
    here so the sweep reads only the rows whose day has come. ``enabled_by`` empty means the customer
    turned it on through the renewal page. The rules live in ``renewals/auto_renew.py``.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+", verbose_name=_("partner"))
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="auto_renewal", verbose_name=_("order"))
    plan_years = models.PositiveSmallIntegerField(
        _("plan (years)"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PLAN_YEARS)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AutoRenewalStatus.choices, default=AutoRenewalStatus.SCHEDULED
    )
    renew_on = models.DateField(_("renews on"))
    enabled_at = models.DateTimeField(_("turned on at"))
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("turned on by"),
    )
    cancelled_at = models.DateTimeField(_("turned off at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("turned off by"),
    )
    attempted_at = models.DateTimeField(_("attempted at"), null=True, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    renewal = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("renewal")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("auto-renewal")
        verbose_name_plural = _("auto-renewals")
        indexes = [models.Index(fields=["status", "renew_on"], name="auto_renewal_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan_years__gte=1, plan_years__lte=MAX_PLAN_YEARS), name="auto_renewal_plan_years_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.order_id} {self.status} {self.renew_on}"


# Tables the database keeps (the dashboard's window counts, the reports' stake), beside the rules they sum by.
from .expiry_counts import ExpiryCount  # noqa: E402, F401
from .stake_sums import StakeSum  # noqa: E402, F401
