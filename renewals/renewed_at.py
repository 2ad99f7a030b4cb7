"""``Order.renewed_at``, kept by the database: when the order's renewal was made, NULL without one.

"Renewed" was a join of every order to its renewal (``renewal__isnull``): at 100,000 orders a
partner's counts by action were an anti-join over all of them. As a column of the row it is a plain
filter, and the count table (``expiry_counts``) can key its counts by action. Triggers (migration
0010, SQL below) keep it whatever writes orders: a renewal inserted sets it on the order it renews,
one deleted clears it, one relinked (``renewed_from`` or ``created_at`` changed) moves it. PostgreSQL
uses statement-level triggers for inserts and deletes (bulk loads pay once per statement), SQLite
row-level ones. ``Order.save`` never writes the column, so a stale instance cannot undo it.
"""

POSTGRESQL_CREATE = [
    """CREATE FUNCTION renewals_order_renewed_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE renewals_order AS o SET renewed_at = n.created_at FROM new_rows AS n
        WHERE n.renewed_from_id = o.id AND o.renewed_at IS DISTINCT FROM n.created_at;
        RETURN NULL; END $$""",
    "CREATE TRIGGER order_renewed_insert AFTER INSERT ON renewals_order REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION renewals_order_renewed_insert()",
    """CREATE FUNCTION renewals_order_renewed_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE renewals_order AS o SET renewed_at = NULL FROM old_rows AS d
        WHERE d.renewed_from_id = o.id AND o.renewed_at IS NOT NULL;
        RETURN NULL; END $$""",
    "CREATE TRIGGER order_renewed_delete AFTER DELETE ON renewals_order REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION renewals_order_renewed_delete()",
    """CREATE FUNCTION renewals_order_renewed_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF OLD.renewed_from_id IS DISTINCT FROM NEW.renewed_from_id OR OLD.created_at IS DISTINCT FROM NEW.created_at THEN
            UPDATE renewals_order SET renewed_at = NULL WHERE id = OLD.renewed_from_id;
            UPDATE renewals_order SET renewed_at = NEW.created_at WHERE id = NEW.renewed_from_id;
        END IF;
        RETURN NULL; END $$""",
    "CREATE TRIGGER order_renewed_update AFTER UPDATE OF renewed_from_id, created_at ON renewals_order "
    "FOR EACH ROW EXECUTE FUNCTION renewals_order_renewed_update()",
]

POSTGRESQL_DROP = [
    statement
    for operation in ("insert", "delete", "update")
    for statement in (
        f"DROP TRIGGER IF EXISTS order_renewed_{operation} ON renewals_order",
        f"DROP FUNCTION IF EXISTS renewals_order_renewed_{operation}()",
    )
]

SQLITE_CREATE = [
    "CREATE TRIGGER order_renewed_insert AFTER INSERT ON renewals_order WHEN NEW.renewed_from_id IS NOT NULL "
    "BEGIN UPDATE renewals_order SET renewed_at = NEW.created_at WHERE id = NEW.renewed_from_id; END",
    "CREATE TRIGGER order_renewed_delete AFTER DELETE ON renewals_order WHEN OLD.renewed_from_id IS NOT NULL "
    "BEGIN UPDATE renewals_order SET renewed_at = NULL WHERE id = OLD.renewed_from_id; END",
    "CREATE TRIGGER order_renewed_update AFTER UPDATE OF renewed_from_id, created_at ON renewals_order "
    "WHEN OLD.renewed_from_id IS NOT NEW.renewed_from_id OR OLD.created_at IS NOT NEW.created_at "
    "BEGIN UPDATE renewals_order SET renewed_at = NULL WHERE id = OLD.renewed_from_id; "
    "UPDATE renewals_order SET renewed_at = NEW.created_at WHERE id = NEW.renewed_from_id; END",
]

SQLITE_DROP = [f"DROP TRIGGER IF EXISTS order_renewed_{operation}" for operation in ("insert", "delete", "update")]

# Fills the column from the renewals present (both databases).
BACKFILL = (
    "UPDATE renewals_order SET renewed_at = (SELECT r.created_at FROM renewals_order AS r "
    "WHERE r.renewed_from_id = renewals_order.id) "
    "WHERE EXISTS (SELECT 1 FROM renewals_order AS r WHERE r.renewed_from_id = renewals_order.id)"
)
