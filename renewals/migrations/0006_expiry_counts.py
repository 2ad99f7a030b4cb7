"""Orders per partner and expiry day (``renewals.expiry_counts``), kept by statement-level triggers
on PostgreSQL and filled from the orders present. The SQL is frozen here as it was written; other
databases get the empty table."""

import django.db.models.deletion
from django.db import migrations, models


CREATE_SQL = [
    "CREATE FUNCTION renewals_expiry_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, orders)\n        SELECT partner_id, expires_on, sum(delta) FROM (SELECT partner_id, expires_on, 1 AS delta FROM new_rows WHERE status <> 'cancelled') AS changed\n        GROUP BY partner_id, expires_on HAVING sum(delta) <> 0\n        ORDER BY partner_id, expires_on\n        ON CONFLICT (partner_id, expires_on) DO UPDATE SET orders = counts.orders + EXCLUDED.orders;\n        RETURN NULL; END $$",
    "CREATE TRIGGER expiry_count_insert AFTER INSERT ON renewals_order REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_insert()",
    "CREATE FUNCTION renewals_expiry_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, orders)\n        SELECT partner_id, expires_on, sum(delta) FROM (SELECT partner_id, expires_on, 1 AS delta FROM new_rows WHERE status <> 'cancelled' UNION ALL SELECT partner_id, expires_on, -1 AS delta FROM old_rows WHERE status <> 'cancelled') AS changed\n        GROUP BY partner_id, expires_on HAVING sum(delta) <> 0\n        ORDER BY partner_id, expires_on\n        ON CONFLICT (partner_id, expires_on) DO UPDATE SET orders = counts.orders + EXCLUDED.orders;\n        RETURN NULL; END $$",
    "CREATE TRIGGER expiry_count_update AFTER UPDATE ON renewals_order REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_update()",
    "CREATE FUNCTION renewals_expiry_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, orders)\n        SELECT partner_id, expires_on, sum(delta) FROM (SELECT partner_id, expires_on, -1 AS delta FROM old_rows WHERE status <> 'cancelled') AS changed\n        GROUP BY partner_id, expires_on HAVING sum(delta) <> 0\n        ORDER BY partner_id, expires_on\n        ON CONFLICT (partner_id, expires_on) DO UPDATE SET orders = counts.orders + EXCLUDED.orders;\n        RETURN NULL; END $$",
    "CREATE TRIGGER expiry_count_delete AFTER DELETE ON renewals_order REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_delete()",
    "INSERT INTO renewals_expirycount (partner_id, expires_on, orders) SELECT partner_id, expires_on, count(*) FROM renewals_order WHERE status <> 'cancelled' GROUP BY partner_id, expires_on",
]

DROP_SQL = [
    "DROP TRIGGER IF EXISTS expiry_count_insert ON renewals_order",
    "DROP FUNCTION IF EXISTS renewals_expiry_count_insert()",
    "DROP TRIGGER IF EXISTS expiry_count_update ON renewals_order",
    "DROP FUNCTION IF EXISTS renewals_expiry_count_update()",
    "DROP TRIGGER IF EXISTS expiry_count_delete ON renewals_order",
    "DROP FUNCTION IF EXISTS renewals_expiry_count_delete()",
    "DELETE FROM renewals_expirycount",
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE_SQL:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP_SQL:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_partner_currency"),
        ("renewals", "0005_order_search_text"),
    ]

    operations = [
        migrations.CreateModel(
            name="ExpiryCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("expires_on", models.DateField()),
                ("orders", models.IntegerField(default=0)),
                (
                    "partner",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="partners.partner",
                    ),
                ),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("partner", "expires_on"), name="expiry_count_per_day")],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
