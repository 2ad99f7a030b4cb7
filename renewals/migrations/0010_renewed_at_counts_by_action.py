"""``Order.renewed_at`` kept by the database (``renewals/renewed_at.py``), and the count table keyed by
action and notices as well as day (``renewals/expiry_counts.py``), so the home page's counts by action
and the banner's notices off come from it. The SQL is frozen here as it was written."""

from django.db import migrations, models

OLD_COUNT_CREATE = ['CREATE FUNCTION renewals_expiry_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n'
 '        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, orders)\n'
 '        SELECT partner_id, expires_on, sum(delta) FROM (SELECT partner_id, expires_on, 1 AS delta FROM '
 "new_rows WHERE status <> 'cancelled') AS changed\n"
 '        GROUP BY partner_id, expires_on HAVING sum(delta) <> 0\n'
 '        ORDER BY partner_id, expires_on\n'
 '        ON CONFLICT (partner_id, expires_on) DO UPDATE SET orders = counts.orders + EXCLUDED.orders;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER expiry_count_insert AFTER INSERT ON renewals_order REFERENCING NEW TABLE AS new_rows FOR '
 'EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_insert()',
 'CREATE FUNCTION renewals_expiry_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n'
 '        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, orders)\n'
 '        SELECT partner_id, expires_on, sum(delta) FROM (SELECT partner_id, expires_on, 1 AS delta FROM '
 "new_rows WHERE status <> 'cancelled' UNION ALL SELECT partner_id, expires_on, -1 AS delta FROM old_rows "
 "WHERE status <> 'cancelled') AS changed\n"
 '        GROUP BY partner_id, expires_on HAVING sum(delta) <> 0\n'
 '        ORDER BY partner_id, expires_on\n'
 '        ON CONFLICT (partner_id, expires_on) DO UPDATE SET orders = counts.orders + EXCLUDED.orders;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER expiry_count_update AFTER UPDATE ON renewals_order REFERENCING OLD TABLE AS old_rows NEW '
 'TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_update()',
 'CREATE FUNCTION renewals_expiry_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n'
 '        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, orders)\n'
 '        SELECT partner_id, expires_on, sum(delta) FROM (SELECT partner_id, expires_on, -1 AS delta FROM '
 "old_rows WHERE status <> 'cancelled') AS changed\n"
 '        GROUP BY partner_id, expires_on HAVING sum(delta) <> 0\n'
 '        ORDER BY partner_id, expires_on\n'
 '        ON CONFLICT (partner_id, expires_on) DO UPDATE SET orders = counts.orders + EXCLUDED.orders;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER expiry_count_delete AFTER DELETE ON renewals_order REFERENCING OLD TABLE AS old_rows FOR '
 'EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_delete()',
 'INSERT INTO renewals_expirycount (partner_id, expires_on, orders) SELECT partner_id, expires_on, count(*) '
 "FROM renewals_order WHERE status <> 'cancelled' GROUP BY partner_id, expires_on"]

OLD_COUNT_DROP = ['DROP TRIGGER IF EXISTS expiry_count_insert ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_expiry_count_insert()',
 'DROP TRIGGER IF EXISTS expiry_count_update ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_expiry_count_update()',
 'DROP TRIGGER IF EXISTS expiry_count_delete ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_expiry_count_delete()',
 'DELETE FROM renewals_expirycount']

COUNT_CREATE = ['CREATE FUNCTION renewals_expiry_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n'
 '        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, action, notices, orders)\n'
 '        SELECT partner_id, expires_on, action, notices, sum(delta) FROM (SELECT partner_id, expires_on, '
 "CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end THEN 'reissue' ELSE 'renew' END "
 "AS action, renewal_notices AS notices, 1 AS delta FROM new_rows WHERE status <> 'cancelled') AS changed\n"
 '        GROUP BY partner_id, expires_on, action, notices HAVING sum(delta) <> 0\n'
 '        ORDER BY partner_id, expires_on, action, notices\n'
 '        ON CONFLICT (partner_id, expires_on, action, notices) DO UPDATE SET orders = counts.orders + '
 'EXCLUDED.orders;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER expiry_count_insert AFTER INSERT ON renewals_order REFERENCING NEW TABLE AS new_rows FOR '
 'EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_insert()',
 'CREATE FUNCTION renewals_expiry_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n'
 '        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, action, notices, orders)\n'
 '        SELECT partner_id, expires_on, action, notices, sum(delta) FROM (SELECT partner_id, expires_on, '
 "CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end THEN 'reissue' ELSE 'renew' END "
 "AS action, renewal_notices AS notices, 1 AS delta FROM new_rows WHERE status <> 'cancelled' UNION ALL "
 "SELECT partner_id, expires_on, CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end "
 "THEN 'reissue' ELSE 'renew' END AS action, renewal_notices AS notices, -1 AS delta FROM old_rows WHERE "
 "status <> 'cancelled') AS changed\n"
 '        GROUP BY partner_id, expires_on, action, notices HAVING sum(delta) <> 0\n'
 '        ORDER BY partner_id, expires_on, action, notices\n'
 '        ON CONFLICT (partner_id, expires_on, action, notices) DO UPDATE SET orders = counts.orders + '
 'EXCLUDED.orders;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER expiry_count_update AFTER UPDATE ON renewals_order REFERENCING OLD TABLE AS old_rows NEW '
 'TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_update()',
 'CREATE FUNCTION renewals_expiry_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \n'
 '        INSERT INTO renewals_expirycount AS counts (partner_id, expires_on, action, notices, orders)\n'
 '        SELECT partner_id, expires_on, action, notices, sum(delta) FROM (SELECT partner_id, expires_on, '
 "CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end THEN 'reissue' ELSE 'renew' END "
 "AS action, renewal_notices AS notices, -1 AS delta FROM old_rows WHERE status <> 'cancelled') AS changed\n"
 '        GROUP BY partner_id, expires_on, action, notices HAVING sum(delta) <> 0\n'
 '        ORDER BY partner_id, expires_on, action, notices\n'
 '        ON CONFLICT (partner_id, expires_on, action, notices) DO UPDATE SET orders = counts.orders + '
 'EXCLUDED.orders;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER expiry_count_delete AFTER DELETE ON renewals_order REFERENCING OLD TABLE AS old_rows FOR '
 'EACH STATEMENT EXECUTE FUNCTION renewals_expiry_count_delete()',
 'INSERT INTO renewals_expirycount (partner_id, expires_on, action, notices, orders) SELECT partner_id, '
 "expires_on, CASE WHEN renewed_at IS NOT NULL THEN 'renewed' WHEN expires_on < term_end THEN 'reissue' ELSE "
 "'renew' END, renewal_notices, count(*) FROM renewals_order WHERE status <> 'cancelled' GROUP BY 1, 2, 3, 4"]

COUNT_DROP = ['DROP TRIGGER IF EXISTS expiry_count_insert ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_expiry_count_insert()',
 'DROP TRIGGER IF EXISTS expiry_count_update ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_expiry_count_update()',
 'DROP TRIGGER IF EXISTS expiry_count_delete ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_expiry_count_delete()',
 'DELETE FROM renewals_expirycount']

POSTGRESQL_CREATE = ['CREATE FUNCTION renewals_order_renewed_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n'
 '        UPDATE renewals_order AS o SET renewed_at = n.created_at FROM new_rows AS n\n'
 '        WHERE n.renewed_from_id = o.id AND o.renewed_at IS DISTINCT FROM n.created_at;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER order_renewed_insert AFTER INSERT ON renewals_order REFERENCING NEW TABLE AS new_rows FOR '
 'EACH STATEMENT EXECUTE FUNCTION renewals_order_renewed_insert()',
 'CREATE FUNCTION renewals_order_renewed_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n'
 '        UPDATE renewals_order AS o SET renewed_at = NULL FROM old_rows AS d\n'
 '        WHERE d.renewed_from_id = o.id AND o.renewed_at IS NOT NULL;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER order_renewed_delete AFTER DELETE ON renewals_order REFERENCING OLD TABLE AS old_rows FOR '
 'EACH STATEMENT EXECUTE FUNCTION renewals_order_renewed_delete()',
 'CREATE FUNCTION renewals_order_renewed_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n'
 '        IF OLD.renewed_from_id IS DISTINCT FROM NEW.renewed_from_id OR OLD.created_at IS DISTINCT FROM '
 'NEW.created_at THEN\n'
 '            UPDATE renewals_order SET renewed_at = NULL WHERE id = OLD.renewed_from_id;\n'
 '            UPDATE renewals_order SET renewed_at = NEW.created_at WHERE id = NEW.renewed_from_id;\n'
 '        END IF;\n'
 '        RETURN NULL; END $$',
 'CREATE TRIGGER order_renewed_update AFTER UPDATE OF renewed_from_id, created_at ON renewals_order FOR EACH '
 'ROW EXECUTE FUNCTION renewals_order_renewed_update()']

POSTGRESQL_DROP = ['DROP TRIGGER IF EXISTS order_renewed_insert ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_order_renewed_insert()',
 'DROP TRIGGER IF EXISTS order_renewed_delete ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_order_renewed_delete()',
 'DROP TRIGGER IF EXISTS order_renewed_update ON renewals_order',
 'DROP FUNCTION IF EXISTS renewals_order_renewed_update()']

SQLITE_CREATE = ['CREATE TRIGGER order_renewed_insert AFTER INSERT ON renewals_order WHEN NEW.renewed_from_id IS NOT NULL '
 'BEGIN UPDATE renewals_order SET renewed_at = NEW.created_at WHERE id = NEW.renewed_from_id; END',
 'CREATE TRIGGER order_renewed_delete AFTER DELETE ON renewals_order WHEN OLD.renewed_from_id IS NOT NULL '
 'BEGIN UPDATE renewals_order SET renewed_at = NULL WHERE id = OLD.renewed_from_id; END',
 'CREATE TRIGGER order_renewed_update AFTER UPDATE OF renewed_from_id, created_at ON renewals_order WHEN '
 'OLD.renewed_from_id IS NOT NEW.renewed_from_id OR OLD.created_at IS NOT NEW.created_at BEGIN UPDATE '
 'renewals_order SET renewed_at = NULL WHERE id = OLD.renewed_from_id; UPDATE renewals_order SET renewed_at '
 '= NEW.created_at WHERE id = NEW.renewed_from_id; END']

SQLITE_DROP = ['DROP TRIGGER IF EXISTS order_renewed_insert',
 'DROP TRIGGER IF EXISTS order_renewed_delete',
 'DROP TRIGGER IF EXISTS order_renewed_update']

BACKFILL = ('UPDATE renewals_order SET renewed_at = (SELECT r.created_at FROM renewals_order AS r WHERE '
 'r.renewed_from_id = renewals_order.id) WHERE EXISTS (SELECT 1 FROM renewals_order AS r WHERE '
 'r.renewed_from_id = renewals_order.id)')



def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("renewals", "0009_auto_renewal")]

    operations = [
        migrations.RunPython(run({"postgresql": OLD_COUNT_DROP}), run({"postgresql": OLD_COUNT_CREATE})),
        migrations.RemoveConstraint(model_name="expirycount", name="expiry_count_per_day"),
        migrations.AddField(
            model_name="expirycount",
            name="action",
            field=models.CharField(default="renew", max_length=8),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="expirycount", name="notices", field=models.BooleanField(default=True), preserve_default=False
        ),
        migrations.AddConstraint(
            model_name="expirycount",
            constraint=models.UniqueConstraint(
                fields=("partner", "expires_on", "action", "notices"), name="expiry_count_per_day_action_notices"
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="renewed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="renewed at"),
        ),
        migrations.RunPython(
            run({"postgresql": [BACKFILL, *POSTGRESQL_CREATE], "sqlite": [BACKFILL, *SQLITE_CREATE]}),
            run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
        ),
        migrations.RunPython(run({"postgresql": COUNT_CREATE}), run({"postgresql": COUNT_DROP})),
    ]
