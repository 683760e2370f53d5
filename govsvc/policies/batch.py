# ruff: noqa: S608  -- SQL here is built from checked rule trees: identifiers are quoted and
# literals escaped by govsvc.policies.rules.sql; no request text is pasted in unescaped.
"""Batch matching in DuckDB: every profile against every rule, in one query.

The profiles are copied once into an in-memory table with canonical column types (see
:mod:`govsvc.policies.rules.sql`), then one ``SELECT`` per policy is joined with
``UNION ALL`` and written, sorted by ``(entity_id, policy_code)``, to Parquet or CSV.
"""

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from govsvc.policies.rules import CheckedRule, FieldType, RuleError, Schema, compile_rule
from govsvc.policies.rules.sql import DUCKDB, to_sql

logger = logging.getLogger(__name__)

ENTITY_ID = "entity_id"
TABLE = "profiles"

_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
)
_CANONICAL_INT = re.compile(r"^(0|-?[1-9][0-9]{0,17})$")


class BatchError(ValueError):
    """A profile file or rule set that cannot be matched; the message says why."""


@dataclass(frozen=True)
class Policy:
    code: str
    rule: CheckedRule


@dataclass
class MatchStats:
    profiles: int = 0
    policies: int = 0
    pairs: int = 0


def _column_kind(duck_type: str) -> FieldType | None:
    base = duck_type.upper()
    if base.startswith(_NUMERIC) or base.startswith("DECIMAL"):
        return FieldType.NUMBER
    if base == "BOOLEAN":
        return FieldType.BOOL
    if base == "VARCHAR":
        return FieldType.STRING
    if base == "DATE" or base.startswith("TIMESTAMP"):
        return FieldType.DATE
    return None


def _reader(path: Path, text_columns: Iterable[str] = ()) -> str:
    literal = "'" + str(path).replace("'", "''") + "'"
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet({literal})"
    if suffix in (".csv", ".txt"):
        # The whole file is sniffed (sample_size=-1) so a late odd value cannot break
        # the load; entity_id stays text so that "0012" keeps its zeros.
        return (
            f"read_csv({literal}, header=true, sample_size=-1, types={{'{ENTITY_ID}': 'VARCHAR'}})"
        )
    raise BatchError(f"不支持的画像文件格式 {path.suffix}：请用 .parquet 或 .csv")


class ProfileTable:
    """Profiles loaded into DuckDB, with the field schema read off the columns."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, source_sql: str, schema: Schema | None = None
    ) -> None:
        self.con = con
        self.source_sql = source_sql
        described = con.sql(f"SELECT * FROM {source_sql}").description or []
        self.columns = {str(col[0]): str(col[1]) for col in described}
        # Text columns whose every value reads as a number ("inf", "nan" defeat the sniffer).
        self.numeric_text: set[str] = set()
        if ENTITY_ID not in self.columns:
            raise BatchError(f"画像文件缺少 {ENTITY_ID} 列")
        self.schema = schema if schema is not None else self._infer_schema()

    @classmethod
    def from_file(
        cls, con: duckdb.DuckDBPyConnection, path: Path, text_columns: Iterable[str] = ()
    ) -> "ProfileTable":
        if not path.exists():
            raise BatchError(f"找不到画像文件 {path}")
        try:
            return cls(con, _reader(path, text_columns))
        except duckdb.Error as exc:
            raise BatchError(f"无法读取画像文件 {path}：{exc}") from exc

    def _infer_schema(self) -> Schema:
        kinds = {
            name: kind
            for name, duck_type in self.columns.items()
            if name != ENTITY_ID and (kind := _column_kind(duck_type)) is not None
        }
        if not kinds:
            return Schema({})
        # One pass over the file: which columns are empty, which numbers are 0/1 flags.
        probes = []
        for name, kind in kinds.items():
            ident = DUCKDB.ident(name)
            probes.append(f"count({ident})")
            if kind is FieldType.NUMBER:
                probes.append(f"bool_and(CAST({ident} AS DOUBLE) IN (0, 1))")
            elif kind is FieldType.STRING:
                probes.append(f"count(TRY_CAST({ident} AS DOUBLE)) = count({ident})")
            else:
                probes.append("NULL")
        row = self.con.execute(f"SELECT {', '.join(probes)} FROM {self.source_sql}").fetchone()
        assert row is not None
        types: dict[str, FieldType] = {}
        flags = set()
        for index, (name, kind) in enumerate(kinds.items()):
            count, probe = row[2 * index], row[2 * index + 1]
            types[name] = FieldType.EMPTY if count == 0 else kind
            if probe and kind is FieldType.NUMBER:
                flags.add(name)
            elif probe and kind is FieldType.STRING and count:
                self.numeric_text.add(name)
        return Schema(types, frozenset(flags))

    def materialise(self, fields: Iterable[str]) -> int:
        """Copy the used columns into table ``profiles`` in canonical types; return row count."""
        select = [self._entity_id()]
        for name in dict.fromkeys(fields):
            ident = DUCKDB.ident(name)
            kind = self.schema.types[name]
            duck_type = self.columns[name].upper()
            if kind is FieldType.NUMBER and duck_type == "VARCHAR":
                expr = DUCKDB.nan_to_null(f"TRY_CAST({ident} AS DOUBLE)")
            elif kind is FieldType.NUMBER:
                expr = f"CAST({ident} AS DOUBLE)"
                if duck_type in ("FLOAT", "DOUBLE"):
                    expr = DUCKDB.nan_to_null(expr)
            elif kind is FieldType.DATE:
                expr = f"CAST({ident} AS DATE)"
            elif kind is FieldType.EMPTY:
                expr = "NULL"
            else:
                expr = ident
            select.append(f"{expr} AS {ident}")
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {TABLE} AS SELECT {', '.join(select)} "
            f"FROM {self.source_sql} WHERE {DUCKDB.ident(ENTITY_ID)} IS NOT NULL"
        )
        row = self.con.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
        return int(row[0]) if row else 0

    def _entity_id(self) -> str:
        ident = DUCKDB.ident(ENTITY_ID)
        if self.columns[ENTITY_ID].upper() != "VARCHAR":
            return ident
        # Text ids that are all plain integers sort as numbers, as a reader expects.
        row = self.con.execute(
            f"SELECT bool_and(regexp_full_match({ident}, '{_CANONICAL_INT.pattern[1:-1]}')) "
            f"FROM {self.source_sql}"
        ).fetchone()
        return f"CAST({ident} AS BIGINT) AS {ident}" if row and row[0] else ident

    def has_duplicate_ids(self) -> bool:
        ident = DUCKDB.ident(ENTITY_ID)
        row = self.con.execute(
            f"SELECT count(*) <> count(DISTINCT {ident}) FROM {TABLE}"
        ).fetchone()
        return bool(row and row[0])


def load_rules(path: Path) -> list[tuple[str, str]]:
    """Read a YAML list of ``{code, rule}``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BatchError(f"找不到规则文件 {path}") from None
    except yaml.YAMLError as exc:
        raise BatchError(f"规则文件不是有效的 YAML：{exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise BatchError('规则文件应为列表，每项形如 {code: P001, rule: "..."}')
    rules: list[tuple[str, str]] = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict) or "code" not in item or "rule" not in item:
            raise BatchError(f"规则文件第 {index} 项应含 code 和 rule")
        code, text = item["code"], item["rule"]
        if isinstance(text, bool):  # YAML reads an unquoted `rule: true` as a boolean
            text = "true" if text else "false"
        if not isinstance(code, str | int) or isinstance(code, bool) or str(code) == "":
            raise BatchError(f"规则文件第 {index} 项的 code 应为非空文本")
        if not isinstance(text, str):
            raise BatchError(f"规则文件第 {index} 项（{code}）的 rule 应为文本")
        rules.append((str(code), text))
    return rules


def _failing(rules: Sequence[tuple[str, str]], schema: Schema) -> set[str]:
    failing = set()
    for code, text in rules:
        try:
            compile_rule(text, schema)
        except RuleError:
            failing.add(code)
    return failing


def retype_for(
    rules: Sequence[tuple[str, str]], schema: Schema, numeric_text: Iterable[str] = ()
) -> tuple[set[str], set[str]]:
    """CSV columns to read as text, and text columns to read as numbers, for these rules.

    A CSV does not say whether ``420102`` or ``007`` is a number or a code, and DuckDB's
    sniffer reads a column holding ``inf`` or ``nan`` as text. A column changes type when
    that makes rules check that did not, and breaks none that did.
    """
    failing = _failing(rules, schema)
    as_text: set[str] = set()
    as_number: set[str] = set()
    candidates = [
        (name, FieldType.STRING)
        for name, kind in schema.types.items()
        if kind not in (FieldType.STRING, FieldType.EMPTY)
    ] + [(name, FieldType.NUMBER) for name in numeric_text]
    improved = True
    while failing and improved:
        improved = False
        for name, target in candidates:
            if name in as_text or name in as_number:
                continue
            trial = Schema({**schema.types, name: target}, schema.flags - {name})
            now = _failing(rules, trial)
            if now < failing:
                schema, failing, improved = trial, now, True
                (as_text if target is FieldType.STRING else as_number).add(name)
    return as_text, as_number


def check_rules(rules: Sequence[tuple[str, str]], schema: Schema) -> list[Policy]:
    """Check every rule; report all faults at once, each with its policy code and place."""
    policies: list[Policy] = []
    faults: list[str] = []
    seen: set[str] = set()
    for code, text in rules:
        if code in seen:
            faults.append(f"政策编码 {code} 重复")
            continue
        seen.add(code)
        try:
            policies.append(Policy(code, compile_rule(text, schema)))
        except RuleError as exc:
            faults.append(f"政策 {code} 的规则有误：{exc}")
    if faults:
        raise BatchError("\n".join(faults))
    return policies


def match_sql(policies: Sequence[Policy], distinct: bool) -> str:
    """All policies in one query, pairs in ``(entity_id, policy_code)`` order.

    Each branch tags its rows with the policy code as an ENUM whose values are the codes
    in sorted order, so the final sort compares small integers rather than strings. Parquet
    and CSV store an ENUM as its text.
    """
    ident = DUCKDB.ident(ENTITY_ID)
    if not policies:
        return f"SELECT {ident}, CAST(NULL AS VARCHAR) AS policy_code FROM {TABLE} WHERE FALSE"
    codes = sorted(p.code for p in policies)
    enum = f"ENUM({', '.join(DUCKDB.string(code) for code in codes)})"
    keyword = "SELECT DISTINCT" if distinct else "SELECT"
    branches = [
        f"{keyword} {ident}, CAST({DUCKDB.string(p.code)} AS {enum}) AS code FROM {TABLE} "
        f"WHERE {to_sql(p.rule, DUCKDB, where=True)}"
        for p in policies
    ]
    body = "\nUNION ALL\n".join(branches)
    return f"SELECT m.{ident}, m.code AS policy_code FROM ({body}) AS m ORDER BY m.{ident}, m.code"


def _writer(path: Path) -> str:
    suffix = path.suffix.lower()
    target = "'" + str(path).replace("'", "''") + "'"
    if suffix == ".parquet":
        return f"{target} (FORMAT parquet, COMPRESSION zstd)"
    if suffix == ".csv":
        return f"{target} (FORMAT csv, HEADER true)"
    raise BatchError(f"不支持的输出格式 {path.suffix}：请用 .parquet 或 .csv")


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    return duckdb.connect(":memory:", config=config)


def match_to_file(table: ProfileTable, rules: Sequence[tuple[str, str]], out: Path) -> MatchStats:
    """Check ``rules`` against ``table``'s columns, match, and write the sorted pairs."""
    writer = _writer(out)
    ordered = _ordered_pairs(table, rules)
    row = table.con.execute(f"COPY ({ordered.sql}) TO {writer}").fetchone()
    ordered.stats.pairs = int(row[0]) if row else 0  # COPY answers with the rows written
    return ordered.stats


def match_to_rows(table: ProfileTable, rules: Sequence[tuple[str, str]]) -> list[tuple[Any, str]]:
    """The sorted pairs as Python tuples; for tests and small runs."""
    ordered = _ordered_pairs(table, rules)
    return [(entity, str(code)) for entity, code in table.con.execute(ordered.sql).fetchall()]


@dataclass
class _Ordered:
    sql: str
    stats: MatchStats


def _ordered_pairs(table: ProfileTable, rules: Sequence[tuple[str, str]]) -> _Ordered:
    policies = check_rules(rules, table.schema)
    used = [name for p in policies for name in p.rule.fields]
    stats = MatchStats(profiles=table.materialise(used), policies=len(policies))
    return _Ordered(match_sql(policies, distinct=table.has_duplicate_ids()), stats)


def match_files(
    profiles: Path, rules: Sequence[tuple[str, str]], out: Path, *, threads: int | None = None
) -> MatchStats:
    _writer(out)  # refuse an unknown output format before reading anything
    con = connect(threads)
    try:
        table = ProfileTable.from_file(con, profiles)
        if profiles.suffix.lower() != ".parquet":
            table = _retyped(con, profiles, table, rules)
        stats = match_to_file(table, rules, out)
    except duckdb.Error as exc:
        raise BatchError(f"批量匹配失败：{exc}") from exc
    finally:
        con.close()
    logger.info(
        "policies_matched profiles=%s policies=%s pairs=%s",
        stats.profiles,
        stats.policies,
        stats.pairs,
    )
    return stats


def _retyped(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: ProfileTable,
    rules: Sequence[tuple[str, str]],
) -> ProfileTable:
    as_text, as_number = retype_for(rules, table.schema, table.numeric_text)
    if not as_text and not as_number:
        return table
    logger.info("policies_csv_retyped text=%s number=%s", sorted(as_text), sorted(as_number))
    if as_text:
        table = ProfileTable.from_file(con, path, as_text)
    if as_number:
        types = {**table.schema.types, **dict.fromkeys(as_number, FieldType.NUMBER)}
        table.schema = Schema(types, table.schema.flags)
    return table
