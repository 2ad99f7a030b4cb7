"""The (partner, term end) index carries the order's id, status and renewal instant, so the reports'
renewal rate by month reads the index alone (PostgreSQL; other databases ignore INCLUDE)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0001_initial"),
        ("partners", "0006_contact_unsubscribed_index"),
        ("renewals", "0011_stake_sums"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="order",
            name="order_partner_term_end_idx",
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                fields=["partner", "term_end"],
                include=("id", "status", "renewed_at"),
                name="order_partner_term_end_cov",
            ),
        ),
    ]
