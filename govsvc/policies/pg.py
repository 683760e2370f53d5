# ruff: noqa: S608  -- SQL here is built from checked rule trees: identifiers are quoted and
# literals escaped by govsvc.policies.rules.sql; profile values travel through COPY.
"""The same rules run inside PostgreSQL.

Profiles are copied into a temporary table in canonical column types; each rule is
compiled with the PostgreSQL dialect of :mod:`govsvc.policies.rules.sql`. PostgreSQL
raises "value out of range" where IEEE arithmetic (and Python) gives infinity or zero, so
arithmetic goes through the small functions below, created per session in ``pg_temp``.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from govsvc.policies.rules import FieldType, Schema, compile_rule
from govsvc.policies.rules.evaluator import read_value
from govsvc.policies.rules.sql import POSTGRESQL, to_sql

TABLE = "policy_profiles"
COLUMN_TYPES = {
    FieldType.NUMBER: "double precision",
    FieldType.STRING: "text",
    FieldType.BOOL: "boolean",
    FieldType.DATE: "date",
    FieldType.EMPTY: "text",
}

_GUARD = """
CREATE OR REPLACE FUNCTION pg_temp.rule_{name}(a double precision, b double precision)
RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN a {op} b;
EXCEPTION WHEN numeric_value_out_of_range THEN
    RETURN {fallback};
END $$;
"""
# When PostgreSQL refuses, the exact result was beyond the double range either way:
# too large (infinity, with its sign) or too small (zero).
_FALLBACKS = {
    "add": ("+", "sign(a) * 'Infinity'::double precision"),
    "sub": ("-", "sign(a) * 'Infinity'::double precision"),
    "mul": (
        "*",
        "CASE WHEN ln(abs(a)) + ln(abs(b)) > 0 THEN sign(a) * sign(b) * 'Infinity'::float8 "
        "ELSE 0 END",
    ),
    "div": (
        "/",
        "CASE WHEN ln(abs(a)) - ln(abs(b)) > 0 THEN sign(a) * sign(b) * 'Infinity'::float8 "
        "ELSE 0 END",
    ),
}
FUNCTIONS_SQL = "".join(
    _GUARD.format(name=name, op=op, fallback=fallback)
    for name, (op, fallback) in _FALLBACKS.items()
)


def _cell(value: Any, kind: FieldType) -> Any:
    read = read_value(value, kind)
    if kind is FieldType.NUMBER and read is not None:
        return float(read)  # type: ignore[arg-type]
    return read


def load_profiles(cursor: Any, schema: Schema, rows: Iterable[Mapping[str, Any]]) -> None:
    """Create and fill the temporary profile table on ``cursor``'s connection."""
    names = list(schema.names())
    columns = ", ".join(
        f"{POSTGRESQL.ident(name)} {COLUMN_TYPES[schema.types[name]]}" for name in names
    )
    cursor.execute(FUNCTIONS_SQL)
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{TABLE}")
    cursor.execute(f"CREATE TEMP TABLE {TABLE} (entity_id text NOT NULL, {columns})")
    column_list = ", ".join(["entity_id", *(POSTGRESQL.ident(n) for n in names)])
    with cursor.copy(f"COPY {TABLE} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            if row.get("entity_id") is None:
                continue
            copy.write_row(
                [str(row["entity_id"]), *(_cell(row.get(n), schema.types[n]) for n in names)]
            )


def match_sql(schema: Schema, rules: Sequence[tuple[str, str]]) -> str:
    branches = [
        f"SELECT DISTINCT entity_id, {POSTGRESQL.string(code)} AS policy_code FROM {TABLE} "
        f"WHERE {to_sql(compile_rule(text, schema), POSTGRESQL, where=True)}"
        for code, text in rules
    ]
    if not branches:
        return f"SELECT entity_id, NULL::text AS policy_code FROM {TABLE} WHERE FALSE"
    return (
        "SELECT entity_id, policy_code FROM (" + "\nUNION ALL\n".join(branches) + ") AS m "
        'ORDER BY entity_id COLLATE "C", policy_code COLLATE "C"'
    )


def match_rows(
    cursor: Any,
    schema: Schema,
    rows: Iterable[Mapping[str, Any]],
    rules: Sequence[tuple[str, str]],
) -> list[tuple[str, str]]:
    load_profiles(cursor, schema, rows)
    cursor.execute(match_sql(schema, rules))
    return [(str(entity), str(code)) for entity, code in cursor.fetchall()]
