"""On PostgreSQL the unsubscribed contacts' partial index carries the customer and id, so the
reports' unsubscribes per month read the index alone. Same name, key and condition as the model's
index: INCLUDE stays out of the model because SQLite has no such indexes (Django warns, W040)."""

from django.db import migrations

COVERING = [
    "DROP INDEX IF EXISTS contact_unsubscribed_idx",
    "CREATE INDEX contact_unsubscribed_idx ON partners_contact (unsubscribed_at) INCLUDE (customer_id, id) "
    "WHERE unsubscribed_at IS NOT NULL",
]
PLAIN = [
    "DROP INDEX IF EXISTS contact_unsubscribed_idx",
    "CREATE INDEX contact_unsubscribed_idx ON partners_contact (unsubscribed_at) WHERE unsubscribed_at IS NOT NULL",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("partners", "0006_contact_unsubscribed_index")]

    operations = [migrations.RunPython(run(COVERING), run(PLAIN))]
