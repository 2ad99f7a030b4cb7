"""The dashboard's search reads one column: ``Order.search_text``.

It holds the order number, common name and customer's company name, joined by a newline and
upper-cased by the database (``renewals.models.SEARCH_SEPARATOR``); existing rows are filled by one
UPDATE (which rewrites every order: run ``VACUUM ANALYZE renewals_order`` afterwards). Two indexes
serve it on PostgreSQL: a trigram GIN index (``pg_trgm``) finds the rows of a selective term, and
``order_partner_search_idx`` (the expiry index with the text included) reads a partner's rows for a
broad one without visiting the table. The trigram index and the column's larger statistics sample
(which lets the planner tell a selective term from a broad one) are PostgreSQL-only (an INCLUDE
index draws a warning on SQLite), so they are created here rather than declared on the model; other
databases get the column alone.
Creating the extension needs the CREATE privilege on the database (``pg_trgm`` is a trusted
extension). The indexes are built inside the migration's transaction, holding writes to orders while
they build (seconds per million orders).
"""

from django.db import migrations, models

SEPARATOR = "\n"

POSTGRES_BACKFILL = """
UPDATE renewals_order AS o
SET search_text = upper(o.order_number || E'\\n' || o.common_name || E'\\n' || c.company_name)
FROM partners_customer AS c
WHERE c.id = o.customer_id
"""

POSTGRES_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX order_search_trgm_idx ON renewals_order USING gin (search_text gin_trgm_ops)",
    # The expiry index with the text included: a broad term's counts and page in index-only scans.
    "CREATE INDEX order_partner_search_idx ON renewals_order (partner_id, expires_on, id) INCLUDE (search_text)"
    " WHERE NOT status = 'cancelled'",
    # 1,000 histogram entries instead of 100: LIKE's row estimate comes from them.
    "ALTER TABLE renewals_order ALTER COLUMN search_text SET STATISTICS 1000",
]

POSTGRES_INDEXES_REVERSE = [
    "DROP INDEX IF EXISTS order_search_trgm_idx",
    "DROP INDEX IF EXISTS order_partner_search_idx",
    "ALTER TABLE renewals_order ALTER COLUMN search_text SET STATISTICS -1",
]


def fill_search_text(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKFILL)
        return
    from django.db.models import F, OuterRef, Subquery, TextField, Value
    from django.db.models.functions import Concat, Upper

    Order = apps.get_model("renewals", "Order")
    Customer = apps.get_model("partners", "Customer")
    company = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("company_name")[:1])
    Order.objects.update(
        search_text=Upper(
            Concat(
                F("order_number"),
                Value(SEPARATOR),
                F("common_name"),
                Value(SEPARATOR),
                company,
                output_field=TextField(),
            )
        )
    )


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_INDEXES:
            schema_editor.execute(statement)


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_INDEXES_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0002_partner_currency"),
        ("renewals", "0004_partner_prices"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="search text"),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
