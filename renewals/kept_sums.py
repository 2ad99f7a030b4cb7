"""Summary tables of the orders kept by the database: the SQL of the PostgreSQL statement-level
triggers that add each INSERT, UPDATE or DELETE's net change to a table of sums per key.

A trigger sees the statement's rows once (transition tables), whatever wrote them (the services,
bulk loads, the admin, raw SQL), so the sums stay exact without any Python remembering to update
them. Rows are grouped and sorted before the upsert, so concurrent writers lock summary rows in one
order; a change that nets to zero (an UPDATE of other columns) writes nothing.
"""

from dataclasses import dataclass

from django.db import connection


def kept() -> bool:
    """Whether the triggers keep the tables (PostgreSQL); elsewhere they stay empty."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class KeptSums:
    """A table ``table`` of sums of ``renewals_order`` rows matching ``where``: ``keys`` and ``sums``
    map each of its columns to an SQL expression over one order row (a sum's is what the row adds)."""

    name: str  # names the trigger functions: renewals_<name>_insert()...
    table: str
    keys: dict
    sums: dict
    where: str

    def _apply(self, *sources):
        keys, sums = ", ".join(self.keys), ", ".join(self.sums)
        rows = " UNION ALL ".join(
            f"SELECT {', '.join(f'{sql} AS {column}' for column, sql in self.keys.items())}, "
            f"{', '.join(f'{sign}{sql} AS {column}' for column, sql in self.sums.items())} "
            f"FROM {source} WHERE {self.where}"
            for source, sign in sources
        )
        changed = " OR ".join(f"sum({column}) <> 0" for column in self.sums)
        added = ", ".join(f"{column} = summed.{column} + EXCLUDED.{column}" for column in self.sums)
        return f"""
        INSERT INTO {self.table} AS summed ({keys}, {sums})
        SELECT {keys}, {", ".join(f"sum({column})" for column in self.sums)} FROM ({rows}) AS changed
        GROUP BY {keys} HAVING {changed}
        ORDER BY {keys}
        ON CONFLICT ({keys}) DO UPDATE SET {added};
        RETURN NULL;"""

    def triggers(self) -> dict:
        return {
            "insert": ("REFERENCING NEW TABLE AS new_rows", self._apply(("new_rows", ""))),
            "update": (
                "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
                self._apply(("new_rows", ""), ("old_rows", "-")),
            ),
            "delete": ("REFERENCING OLD TABLE AS old_rows", self._apply(("old_rows", "-"))),
        }

    def create_sql(self) -> list:
        """The trigger functions and triggers, then the sums of the orders present."""
        statements = []
        for operation, (referencing, body) in self.triggers().items():
            function = f"renewals_{self.name}_{operation}"
            statements += [
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$",
                f"CREATE TRIGGER {self.name}_{operation} AFTER {operation.upper()} ON renewals_order {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            ]
        keys = ", ".join(self.keys)
        statements.append(
            f"INSERT INTO {self.table} ({keys}, {', '.join(self.sums)}) "
            f"SELECT {', '.join(self.keys.values())}, {', '.join(f'sum({sql})' for sql in self.sums.values())} "
            f"FROM renewals_order WHERE {self.where} GROUP BY {', '.join(str(i + 1) for i in range(len(self.keys)))}"
        )
        return statements

    def drop_sql(self) -> list:
        statements = []
        for operation in ("insert", "update", "delete"):
            statements += [
                f"DROP TRIGGER IF EXISTS {self.name}_{operation} ON renewals_order",
                f"DROP FUNCTION IF EXISTS renewals_{self.name}_{operation}()",
            ]
        return statements + [f"DELETE FROM {self.table}"]
