"""Terms to renew per partner, expiry day, product, plan and currency (``renewals.stake_sums``),
kept by statement-level triggers on PostgreSQL and filled from the orders present. The SQL is frozen
here as it was written; other databases get the empty table."""

import django.db.models.deletion
from django.db import migrations, models


CREATE_SQL = [
    "CREATE FUNCTION renewals_stake_sum_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n"
    "        INSERT INTO renewals_stakesum AS summed (partner_id, expires_on, product_id, plan_years, currency, "
    "orders, price_sum)\n"
    "        SELECT partner_id, expires_on, product_id, plan_years, currency, sum(orders), sum(price_sum) FROM "
    "(SELECT partner_id AS partner_id, expires_on AS expires_on, product_id AS product_id, plan_years AS "
    "plan_years, currency AS currency, 1 AS orders, price AS price_sum FROM new_rows WHERE status <> "
    "'cancelled' AND (CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end THEN 'reissue' "
    "ELSE 'renew' END) = 'renew') AS changed\n"
    "        GROUP BY partner_id, expires_on, product_id, plan_years, currency HAVING sum(orders) <> 0 OR "
    "sum(price_sum) <> 0\n"
    "        ORDER BY partner_id, expires_on, product_id, plan_years, currency\n"
    "        ON CONFLICT (partner_id, expires_on, product_id, plan_years, currency) DO UPDATE SET orders = "
    "summed.orders + EXCLUDED.orders, price_sum = summed.price_sum + EXCLUDED.price_sum;\n"
    "        RETURN NULL; END $$",
    "CREATE TRIGGER stake_sum_insert AFTER INSERT ON renewals_order REFERENCING NEW TABLE AS new_rows FOR EACH "
    "STATEMENT EXECUTE FUNCTION renewals_stake_sum_insert()",
    "CREATE FUNCTION renewals_stake_sum_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n"
    "        INSERT INTO renewals_stakesum AS summed (partner_id, expires_on, product_id, plan_years, currency, "
    "orders, price_sum)\n"
    "        SELECT partner_id, expires_on, product_id, plan_years, currency, sum(orders), sum(price_sum) FROM "
    "(SELECT partner_id AS partner_id, expires_on AS expires_on, product_id AS product_id, plan_years AS "
    "plan_years, currency AS currency, 1 AS orders, price AS price_sum FROM new_rows WHERE status <> "
    "'cancelled' AND (CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end THEN 'reissue' "
    "ELSE 'renew' END) = 'renew' UNION ALL SELECT partner_id AS partner_id, expires_on AS expires_on, "
    "product_id AS product_id, plan_years AS plan_years, currency AS currency, -1 AS orders, -price AS "
    "price_sum FROM old_rows WHERE status <> 'cancelled' AND (CASE WHEN renewed_at IS NOT NULL THEN 'renewed' "
    "WHEN expires_on < term_end THEN 'reissue' ELSE 'renew' END) = 'renew') AS changed\n"
    "        GROUP BY partner_id, expires_on, product_id, plan_years, currency HAVING sum(orders) <> 0 OR "
    "sum(price_sum) <> 0\n"
    "        ORDER BY partner_id, expires_on, product_id, plan_years, currency\n"
    "        ON CONFLICT (partner_id, expires_on, product_id, plan_years, currency) DO UPDATE SET orders = "
    "summed.orders + EXCLUDED.orders, price_sum = summed.price_sum + EXCLUDED.price_sum;\n"
    "        RETURN NULL; END $$",
    "CREATE TRIGGER stake_sum_update AFTER UPDATE ON renewals_order REFERENCING OLD TABLE AS old_rows NEW TABLE "
    "AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION renewals_stake_sum_update()",
    "CREATE FUNCTION renewals_stake_sum_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n"
    "        INSERT INTO renewals_stakesum AS summed (partner_id, expires_on, product_id, plan_years, currency, "
    "orders, price_sum)\n"
    "        SELECT partner_id, expires_on, product_id, plan_years, currency, sum(orders), sum(price_sum) FROM "
    "(SELECT partner_id AS partner_id, expires_on AS expires_on, product_id AS product_id, plan_years AS "
    "plan_years, currency AS currency, -1 AS orders, -price AS price_sum FROM old_rows WHERE status <> "
    "'cancelled' AND (CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end THEN 'reissue' "
    "ELSE 'renew' END) = 'renew') AS changed\n"
    "        GROUP BY partner_id, expires_on, product_id, plan_years, currency HAVING sum(orders) <> 0 OR "
    "sum(price_sum) <> 0\n"
    "        ORDER BY partner_id, expires_on, product_id, plan_years, currency\n"
    "        ON CONFLICT (partner_id, expires_on, product_id, plan_years, currency) DO UPDATE SET orders = "
    "summed.orders + EXCLUDED.orders, price_sum = summed.price_sum + EXCLUDED.price_sum;\n"
    "        RETURN NULL; END $$",
    "CREATE TRIGGER stake_sum_delete AFTER DELETE ON renewals_order REFERENCING OLD TABLE AS old_rows FOR EACH "
    "STATEMENT EXECUTE FUNCTION renewals_stake_sum_delete()",
    "INSERT INTO renewals_stakesum (partner_id, expires_on, product_id, plan_years, currency, orders, "
    "price_sum) SELECT partner_id, expires_on, product_id, plan_years, currency, sum(1), sum(price) FROM "
    "renewals_order WHERE status <> 'cancelled' AND (CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN "
    "expires_on < term_end THEN 'reissue' ELSE 'renew' END) = 'renew' GROUP BY 1, 2, 3, 4, 5",
]

DROP_SQL = [
    "DROP TRIGGER IF EXISTS stake_sum_insert ON renewals_order",
    "DROP FUNCTION IF EXISTS renewals_stake_sum_insert()",
    "DROP TRIGGER IF EXISTS stake_sum_update ON renewals_order",
    "DROP FUNCTION IF EXISTS renewals_stake_sum_update()",
    "DROP TRIGGER IF EXISTS stake_sum_delete ON renewals_order",
    "DROP FUNCTION IF EXISTS renewals_stake_sum_delete()",
    "DELETE FROM renewals_stakesum",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0006_contact_unsubscribed_index"),
        ("renewals", "0010_renewed_at_counts_by_action"),
    ]

    operations = [
        migrations.CreateModel(
            name="StakeSum",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("expires_on", models.DateField()),
                ("plan_years", models.PositiveSmallIntegerField()),
                ("currency", models.CharField(max_length=3)),
                ("orders", models.IntegerField(default=0)),
                ("price_sum", models.DecimalField(decimal_places=2, default=0, max_digits=16)),
                (
                    "partner",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="partners.partner",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="renewals.product",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("partner", "expires_on", "product", "plan_years", "currency"), name="stake_sum_per_key"
                    )
                ],
            },
        ),
        migrations.RunPython(run(CREATE_SQL), run(DROP_SQL)),
    ]
