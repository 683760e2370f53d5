"""The same rules compiled for PostgreSQL (run on the live server) and Spark SQL (text only)."""

import os

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.conninfo import make_conninfo

from govsvc.policies.pg import match_rows
from govsvc.policies.rules import FieldType, Schema, compile_rule, evaluate
from govsvc.policies.rules.sql import POSTGRESQL, SPARK, to_sql
from govsvc.policies.rules.syntax import Node, to_source
from govsvc.policies.tests import rulegen

SCHEMA = Schema(
    {
        "n1": FieldType.NUMBER,
        "n2": FieldType.NUMBER,
        "s1": FieldType.STRING,
        "d1": FieldType.DATE,
        "b1": FieldType.BOOL,
        "f1": FieldType.NUMBER,
    },
    frozenset({"f1"}),
)


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    return os.environ.get("POLICIES_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="module")
def pg_cursor():
    # The rules need only a session, not the project's tables: the server's maintenance
    # database serves when the project database has not been created yet.
    url = _server_url()
    connection = None
    for conninfo in (url, make_conninfo(url, dbname="postgres")):
        try:
            connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
            break
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0]
    if connection is None:
        pytest.skip(f"PostgreSQL is not reachable at {url}: {reason}")
    with connection:
        yield connection.cursor()


def python_pairs(rows: list[dict], rules: list[tuple[str, str]]) -> list[tuple[str, str]]:
    checked = [(code, compile_rule(text, SCHEMA)) for code, text in rules]
    found = {(str(r["entity_id"]), c) for r in rows for c, rule in checked if evaluate(rule, r)}
    return sorted(found)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(rulegen.profile, min_size=1, max_size=20),
    trees=st.lists(rulegen.conditions, min_size=1, max_size=4),
)
def test_postgresql_agrees_with_python_on_random_rules(
    pg_cursor, rows: list[dict], trees: list[Node]
) -> None:
    rules = [(f"P{i}", to_source(tree)) for i, tree in enumerate(trees)]

    in_postgres = match_rows(pg_cursor, SCHEMA, rows, rules)

    assert sorted(in_postgres) == python_pairs(rows, rules)


def test_postgresql_gives_infinity_and_zero_where_it_would_raise(pg_cursor) -> None:
    rows = [{"entity_id": 1, "n1": 1e308}, {"entity_id": 2, "n1": 1e-300}]
    rules = [("BIG", "n1 * 10 > 1e308"), ("TINY", "n1 * n1 == 0"), ("DIV", "n1 / 1e-10 > 1")]

    assert sorted(match_rows(pg_cursor, SCHEMA, rows, rules)) == python_pairs(rows, rules)


def test_postgresql_compares_text_by_code_point(pg_cursor) -> None:
    rows = [{"entity_id": 1, "s1": "é"}, {"entity_id": 2, "s1": "Z"}, {"entity_id": 3, "s1": "a"}]
    rules = [("LT", 's1 < "b"')]

    assert match_rows(pg_cursor, SCHEMA, rows, rules) == [("2", "LT"), ("3", "LT")]


def test_every_dialect_compiles_the_same_tree() -> None:
    rule = compile_rule(
        's1 in ("江岸区") and not b1 and n1 / n2 >= 0.5 and d1 < "2020-01-01"', SCHEMA
    )

    postgres = to_sql(rule, POSTGRESQL)
    spark = to_sql(rule, SPARK)

    assert "pg_temp.rule_div" in postgres and "NULLIF" in postgres
    assert "`s1` IN ('江岸区')" in spark and "nanvl(" in spark and "DATE '2020-01-01'" in spark
    assert "CAST('0.5' AS DOUBLE)" in spark


def test_string_literals_are_escaped_for_each_dialect() -> None:
    rule = compile_rule('s1 == "it\'s \\\\ \\"quoted\\""', SCHEMA)
    assert rule.tree.right.value == 'it\'s \\ "quoted"'  # type: ignore[union-attr]

    assert "'it''s \\ \"quoted\"'" in to_sql(rule, POSTGRESQL)
    assert "'it''s \\\\ \"quoted\"'" in to_sql(rule, SPARK)
