"""Each partner sells from its own price list (per product and plan length, in its currency).

Partners that exist already keep selling what and at what they sold before: their list starts as
the KRW catalogue (yearly list price × years) for every plan of every product in their currency.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

MAX_PLAN_YEARS = 3


def price_existing_partners(apps, schema_editor):
    Partner = apps.get_model("partners", "Partner")
    Product = apps.get_model("renewals", "Product")
    PartnerPrice = apps.get_model("renewals", "PartnerPrice")
    products = list(Product.objects.all())
    rows = [
        PartnerPrice(partner=partner, product=product, plan_years=years, price=product.list_price * years)
        for partner in Partner.objects.all()
        for product in products
        if product.currency == partner.currency
        for years in range(1, MAX_PLAN_YEARS + 1)
    ]
    PartnerPrice.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_partner_currency"),
        ("renewals", "0003_last_day_convention"),
    ]

    operations = [
        migrations.CreateModel(
            name="PartnerPrice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "plan_years",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(3),
                        ],
                        verbose_name="plan (years)",
                    ),
                ),
                (
                    "price",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=12,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                        verbose_name="price",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="prices",
                        to="partners.partner",
                        verbose_name="partner",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="partner_prices",
                        to="renewals.product",
                        verbose_name="product",
                    ),
                ),
            ],
            options={
                "verbose_name": "partner price",
                "verbose_name_plural": "partner prices",
                "ordering": ["partner", "product__brand", "product__name", "plan_years"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("partner", "product", "plan_years"), name="partner_price_unique_product_plan"
                    ),
                    models.CheckConstraint(condition=models.Q(("price__gte", 0)), name="partner_price_not_negative"),
                    models.CheckConstraint(
                        condition=models.Q(("plan_years__gte", 1), ("plan_years__lte", 3)),
                        name="partner_price_plan_years_in_range",
                    ),
                ],
            },
        ),
        migrations.RunPython(price_existing_partners, migrations.RunPython.noop),
    ]
