"""On PostgreSQL the (partner, term end) index carries the order's id, status and renewal instant, so
the reports' renewal rate by month reads the index alone. Same name and key columns as the model's
index: INCLUDE stays out of the model because SQLite has no such indexes (Django warns, W040)."""

from django.db import migrations

COVERING = [
    "DROP INDEX IF EXISTS order_partner_term_end_idx",
    "CREATE INDEX order_partner_term_end_idx ON renewals_order (partner_id, term_end) INCLUDE (id, status, renewed_at)",
]
PLAIN = [
    "DROP INDEX IF EXISTS order_partner_term_end_idx",
    "CREATE INDEX order_partner_term_end_idx ON renewals_order (partner_id, term_end)",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("renewals", "0011_stake_sums")]

    operations = [migrations.RunPython(run(COVERING), run(PLAIN))]
