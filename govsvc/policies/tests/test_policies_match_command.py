"""`manage.py policies_match`: files in, every (entity_id, policy_code) pair out.

Each result is compared with a brute-force run of the Python evaluator over the same
rows, read independently (csv module / pyarrow), never through DuckDB.
"""

import csv
import math
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from django.core.management import CommandError, call_command

from govsvc.policies.rules import FieldType, Schema, compile_rule, evaluate
from govsvc.policies.rules.syntax import to_source
from govsvc.policies.tests import rulegen
from govsvc.policies.tests.test_rule_properties import ARROW_SCHEMA

RULES = [
    {"code": "P-HT", "rule": 'region in ("江岸区", "武昌区") and high_tech and revenue >= 5e6'},
    {"code": "P-SMALL", "rule": "staff < 20 and not high_tech"},
    {"code": "P-RATIO", "rule": "revenue / staff > 1e5"},
    {"code": "P-EMPTY", "rule": 'region == ""'},
    {"code": "P-NOREGION", "rule": 'not (region in ("江岸区"))'},
]

CSV_TEXT = """entity_id,region,high_tech,revenue,staff,note
E003,江岸区,1,6000000,10,
E001,武昌区,0,5000000,0,x
E002,,1,,25,
E001,武昌区,1,5000000.0,0,x
E004,"汉阳区",0,1e5,1,""
E005,"江岸区",1,4999999.999,19,
"""


def write_rules(tmp_path: Path, rules: list[dict]) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    return path


def run(tmp_path: Path, profiles: Path, rules: list[dict], out_name: str = "out.csv") -> list:
    out = tmp_path / out_name
    call_command("policies_match", profiles=profiles, rules=write_rules(tmp_path, rules), out=out)
    if out.suffix == ".parquet":
        table = pq.read_table(out)
        assert table.column_names == ["entity_id", "policy_code"]
        return [tuple(r.values()) for r in table.to_pylist()]
    with out.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["entity_id", "policy_code"]
    return [tuple(line) for line in lines[1:]]


def brute_force(rows: list[dict], schema: Schema, rules: list[dict]) -> list:
    checked = [(r["code"], compile_rule(r["rule"], schema)) for r in rules]
    return sorted(
        {(row["entity_id"], c) for row in rows for c, rule in checked if evaluate(rule, row)}
    )


def test_it_matches_a_csv_like_the_brute_force_check(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text(CSV_TEXT, encoding="utf-8")
    # CSV as a person reads it: empty cells are missing, 0/1 are flags.
    schema = Schema.of(region="string", high_tech="number", revenue="number", staff="number")
    schema = Schema(schema.types, frozenset({"high_tech"}))
    with profiles.open(encoding="utf-8", newline="") as handle:
        rows = [
            {k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)
        ]

    result = run(tmp_path, profiles, RULES)

    assert result == brute_force(rows, schema, RULES)
    assert result == [
        ("E001", "P-HT"),
        ("E001", "P-NOREGION"),
        ("E001", "P-SMALL"),
        ("E002", "P-NOREGION"),
        ("E003", "P-HT"),
        ("E003", "P-RATIO"),
        ("E004", "P-NOREGION"),
        ("E004", "P-SMALL"),
        ("E005", "P-RATIO"),
    ]


def test_it_reads_true_false_text_as_booleans_in_csv(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text("entity_id,ok\n1,true\n2,False\n3,\n10,TRUE\n", encoding="utf-8")

    result = run(tmp_path, profiles, [{"code": "A", "rule": "ok"}, {"code": "B", "rule": "not ok"}])

    # Integer ids sort as numbers: 10 comes after 3.
    assert result == [("1", "A"), ("2", "B"), ("3", "B"), ("10", "A")]


def test_it_keeps_leading_zeros_of_text_ids(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text("entity_id,n\n007,1\n10,1\n", encoding="utf-8")

    assert run(tmp_path, profiles, [{"code": "A", "rule": "n == 1"}]) == [("007", "A"), ("10", "A")]


def test_it_matches_random_rules_over_random_parquet_profiles(tmp_path: Path) -> None:
    rng = random.Random(20250807)
    rows = rulegen.random_profiles(rng, 400)
    profiles = tmp_path / "profiles.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=ARROW_SCHEMA), profiles)
    schema = Schema(
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
    trees = [rulegen.random_condition(rng) for _ in range(60)]
    rules = [{"code": f"R{i:03d}", "rule": to_source(tree)} for i, tree in enumerate(trees)]

    result = run(tmp_path, profiles, rules, "out.parquet")

    assert result == brute_force(rows, schema, rules)


def test_it_treats_nan_in_parquet_as_missing(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.parquet"
    pq.write_table(pa.table({"entity_id": [1, 2, 3], "x": [math.nan, 1.0, None]}), profiles)

    rules = [{"code": "NE", "rule": "x != 5"}, {"code": "NOT", "rule": "not (x == 5)"}]

    assert run(tmp_path, profiles, rules, "o.parquet") == [
        (1, "NOT"),
        (2, "NE"),
        (2, "NOT"),
        (3, "NOT"),
    ]


def test_it_writes_an_empty_result_with_the_header(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text("entity_id,n\n1,1\n", encoding="utf-8")

    assert run(tmp_path, profiles, [{"code": "A", "rule": "n > 1"}]) == []


def test_it_names_the_policy_and_place_of_an_unknown_field(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text("entity_id,revenue\n1,1\n", encoding="utf-8")
    rules = [
        {"code": "OK", "rule": "revenue > 0"},
        {"code": "BAD", "rule": "revenue > 0 and staf > 1"},
    ]

    with pytest.raises(CommandError) as caught:
        run(tmp_path, profiles, rules)

    assert "政策 BAD" in str(caught.value)
    assert "第1行第17列 “staf”：未知字段 staf" in str(caught.value)


@pytest.mark.parametrize(
    ("rules_text", "words"),
    [
        ("code: A", "应为列表"),
        ("- {code: A}", "应含 code 和 rule"),
        ("- {code: A, rule: 'n > 1'}\n- {code: A, rule: 'n > 2'}", "重复"),
        ("- [unclosed", "YAML"),
    ],
)
def test_it_refuses_a_malformed_rule_file(tmp_path: Path, rules_text: str, words: str) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text("entity_id,n\n1,1\n", encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules_text, encoding="utf-8")

    with pytest.raises(CommandError, match=words):
        call_command("policies_match", profiles=profiles, rules=rules, out=tmp_path / "o.csv")


def test_it_refuses_files_it_cannot_read(tmp_path: Path) -> None:
    rules = write_rules(tmp_path, [{"code": "A", "rule": "n > 1"}])
    no_id = tmp_path / "p.csv"
    no_id.write_text("id,n\n1,1\n", encoding="utf-8")

    with pytest.raises(CommandError, match="找不到画像文件"):
        call_command(
            "policies_match", profiles=tmp_path / "x.csv", rules=rules, out=tmp_path / "o.csv"
        )
    with pytest.raises(CommandError, match="entity_id"):
        call_command("policies_match", profiles=no_id, rules=rules, out=tmp_path / "o.csv")
    with pytest.raises(CommandError, match="输出格式"):
        call_command("policies_match", profiles=no_id, rules=rules, out=tmp_path / "o.json")


def test_it_matches_random_rules_over_random_csv_profiles(tmp_path: Path) -> None:
    rng = random.Random(7)
    rows = rulegen.random_profiles(rng, 400)
    profiles = tmp_path / "profiles.csv"
    spell = {True: "true", False: "false", None: ""}
    with profiles.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            cells = {
                k: ("" if v is None else repr(v) if isinstance(v, float) else v)
                for k, v in row.items()
            }
            writer.writerow({**cells, "b1": spell[row["b1"]]})
    with profiles.open(encoding="utf-8", newline="") as handle:
        read_back = [
            {k: (None if v == "" else int(v) if k == "entity_id" else v) for k, v in r.items()}
            for r in csv.DictReader(handle)
        ]
    schema = Schema(
        {"n1": FieldType.NUMBER, "n2": FieldType.NUMBER, "s1": FieldType.STRING,
         "d1": FieldType.DATE, "b1": FieldType.BOOL, "f1": FieldType.NUMBER},
        frozenset({"f1"}),
    )  # fmt: skip
    rules = [
        {"code": f"C{i:03d}", "rule": to_source(rulegen.random_condition(rng))} for i in range(60)
    ]

    result = run(tmp_path, profiles, rules)

    expected = brute_force(read_back, schema, rules)
    assert result == [(str(entity), code) for entity, code in expected]


def test_it_accepts_numeric_codes_and_an_unquoted_true_rule(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text("entity_id,n\n-0,1\n-3,\n2,1\n", encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("- {code: 101, rule: true}\n- {code: 7, rule: 'n == 1'}\n", encoding="utf-8")
    out = tmp_path / "o.csv"

    call_command("policies_match", profiles=profiles, rules=rules, out=out)

    lines = out.read_text(encoding="utf-8").splitlines()
    # "-0" is not a plain integer, so ids stay text and sort as text.
    assert lines == ["entity_id,policy_code", "-0,101", "-0,7", "-3,101", "2,101", "2,7"]


def test_a_csv_column_of_digit_codes_is_read_as_text_when_rules_compare_it_with_text(
    tmp_path: Path,
) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text(
        "entity_id,region,staff\n1,420102,5\n2,007,5\n3,420103,50\n", encoding="utf-8"
    )
    rules = [
        {"code": "A", "rule": 'region in ("420102", "007") and staff < 10'},
        {"code": "B", "rule": 'region > "4"'},
    ]

    assert run(tmp_path, profiles, rules) == [("1", "A"), ("1", "B"), ("2", "A"), ("3", "B")]


def test_a_column_used_both_as_number_and_text_is_still_an_error(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text("entity_id,region\n1,420102\n", encoding="utf-8")
    rules = [{"code": "A", "rule": 'region == "420102"'}, {"code": "B", "rule": "region > 5"}]

    with pytest.raises(CommandError, match=r"政策 A .*不能比较数值与字符串"):
        run(tmp_path, profiles, rules)


def test_a_csv_number_column_holding_inf_and_nan_is_still_numbers(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text(
        "entity_id,x,code\n1,inf,inf\n2,nan,x\n3,2.5,y\n4,-inf,z\n", encoding="utf-8"
    )
    rules = [
        {"code": "BIG", "rule": "x > 1e308"},
        {"code": "NE", "rule": "x != 2.5"},
        {"code": "TXT", "rule": 'code == "inf"'},
    ]

    assert run(tmp_path, profiles, rules) == [("1", "BIG"), ("1", "NE"), ("1", "TXT"), ("4", "NE")]


def test_a_column_with_no_values_fails_every_test_in_any_role(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.csv"
    profiles.write_text("entity_id,e,n\n1,,1\n2,,2\n", encoding="utf-8")
    rules = [
        {"code": "NUM", "rule": "-e + 1 < 5 or e / 2 >= 0"},
        {"code": "STR", "rule": 'e == "x" or e in ("a", "b")'},
        {"code": "FLAG", "rule": "e or e == true"},
        {"code": "NOT", "rule": "not e and not (e > 1) and n == 2"},
    ]

    assert run(tmp_path, profiles, rules) == [("2", "NOT")]
