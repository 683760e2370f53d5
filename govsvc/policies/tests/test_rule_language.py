"""The rule language: reading, checking, evaluating and explaining one rule."""

import math
from datetime import date

import pytest

from govsvc.policies.rules import RuleError, Schema, compile_rule, evaluate, explain, parse
from govsvc.policies.rules.syntax import to_source

SCHEMA = Schema.of(
    registered_region="string",
    industry="string",
    is_high_tech="bool",
    revenue_last_year="number",
    employees="number",
    established_on="date",
)
FLAGGED = Schema({**SCHEMA.types, **Schema.of(certified="number").types}, frozenset({"certified"}))

EXAMPLE = 'registered_region in ("江岸区", "武昌区") and is_high_tech and revenue_last_year >= 5e6'


def holds(rule: str, **profile: object) -> bool:
    return evaluate(compile_rule(rule, FLAGGED), profile)


def error_of(rule: str, schema: Schema = SCHEMA) -> RuleError:
    with pytest.raises(RuleError) as caught:
        compile_rule(rule, schema)
    return caught.value


def test_it_matches_the_example_from_the_issue() -> None:
    assert holds(EXAMPLE, registered_region="江岸区", is_high_tech=True, revenue_last_year=5e6)
    assert not holds(EXAMPLE, registered_region="汉阳区", is_high_tech=True, revenue_last_year=6e6)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("employees == 12", True),
        ("employees == 12.0", True),
        ("employees >= 1.2e1", True),
        ("employees < .5e2", True),
        ("employees / 5 == 2.4", True),  # true division, never integer division
        ("employees - 2 * 3 == 6", True),
        ("(employees - 2) * 3 == 30", True),
        ("-employees < 0", True),
        ("employees not in (1, 2)", True),
        ("employees in (12)", True),
        ("not employees > 100", True),
        ('employees > 100 or registered_region == "江岸区"', True),
        ("is_high_tech == false", True),
        ("is_high_tech != true", True),
        ('registered_region < "武昌区"', "江岸区" < "武昌区"),
        ('established_on < "2020-01-01"', True),
        ("true and not false", True),
    ],
)
def test_it_evaluates_operators_like_python_floats(rule: str, expected: bool) -> None:
    profile = {
        "employees": 12,
        "is_high_tech": False,
        "registered_region": "江岸区",
        "established_on": date(2019, 5, 1),
    }
    assert holds(rule, **profile) is expected


@pytest.mark.parametrize(
    "rule",
    [
        "employees > 1",
        "employees != 1",
        "employees == employees",
        "employees in (1, 2)",
        "employees not in (1, 2)",
        "is_high_tech",
        "is_high_tech == false",
        "is_high_tech != true",
    ],
)
def test_it_treats_a_missing_value_as_failing_every_test(rule: str) -> None:
    assert not holds(rule)
    assert not holds(rule, employees=None, is_high_tech=None)
    assert holds(f"not ({rule})")


def test_it_treats_division_by_zero_and_nan_as_missing() -> None:
    assert not holds("employees / 0 > 1", employees=5)
    assert not holds("employees / 0 <= 1", employees=5)
    assert not holds("employees / (employees - 5) != 1", employees=5)
    assert not holds("employees > 1", employees=math.nan)
    assert not holds("employees != 1", employees=math.nan)
    assert not holds("employees * 1e308 * 10 - employees * 1e308 * 10 == 0", employees=5)
    assert holds("employees * 1e308 * 10 > 1e308", employees=5)  # overflow is infinity


def test_it_reads_flags_stored_as_0_and_1() -> None:
    assert holds("certified", certified=1)
    assert holds("certified == true", certified=1.0)
    assert not holds("certified", certified=0)
    assert holds("not certified", certified=0)
    assert holds("certified in (false)", certified=0)
    assert holds("certified + 1 == 2", certified=1)


def test_it_reads_booleans_written_as_text_or_numbers() -> None:
    assert holds("is_high_tech", is_high_tech="true")
    assert holds("is_high_tech", is_high_tech=1)
    assert not holds("is_high_tech", is_high_tech="false")
    assert not holds("is_high_tech", is_high_tech="maybe")


@pytest.mark.parametrize(
    ("rule", "line", "column", "token", "words"),
    [
        ("revenue > 1", 1, 1, "revenue", "未知字段"),
        ('employees >\n  "十"', 1, 11, ">", "不能比较数值与字符串"),
        ("employees > 1 and\n  is_high_tech < true", 2, 16, "<", "只能用 == 或 !="),
        ("employees = 1", 1, 11, "=", "=="),
        ("employees > 1 && is_high_tech", 1, 15, "&&", "and"),
        ('__import__("os")', 1, 1, "__import__", "函数调用"),
        ("industry.upper", 1, 9, ".", "属性"),
        ('employees in (1, "a")', 1, 18, '"a"', "类型必须一致"),
        ("employees in ()", 1, 14, "(", "不能为空"),
        ("1 < employees < 3", 1, 15, "<", "不能连写"),
        ("(employees > 1", 1, 15, "规则结尾", "右括号"),
        ("employees > 1)", 1, 14, ")", "多余的右括号"),
        ("employees", 1, 1, "employees", "不能直接作为条件"),
        ("industry + 1 > 2", 1, 1, "industry", "只能用于数值"),
        ("(employees > 1) == true", 1, 12, ">", "不能对条件"),
        ("employees > 'a'", 1, 13, "'", "双引号"),
        ('established_on > "2020-13-01"', 1, 18, '"2020-13-01"', "YYYY-MM-DD"),
        ("employees > 1 and", 1, 18, "规则结尾", "不完整"),
        ("employees > 12abc", 1, 13, "12a", "数字写法"),
        ("employees > 1e999", 1, 13, "1e999", "超出范围"),
        ("employees > 1 ; drop table x", 1, 15, ";", "无法识别"),
        ("", 0, 0, "", "为空"),
    ],
)
def test_it_names_the_place_of_each_fault(
    rule: str, line: int, column: int, token: str, words: str
) -> None:
    error = error_of(rule)
    assert (error.line, error.column, error.token) == (line, column, token)
    assert words in error.message
    if line:
        assert str(error).startswith(f"第{line}行第{column}列")


def test_it_suggests_a_close_field_name() -> None:
    assert "employees" in error_of("employee > 1").message


def test_it_refuses_deep_nesting_with_an_error_not_a_crash() -> None:
    assert "嵌套" in error_of("(" * 500 + "employees > 1" + ")" * 500).message
    assert "嵌套" in error_of("not " * 500 + "is_high_tech").message


def test_it_accepts_comments_newlines_and_upper_case_keywords() -> None:
    rule = "employees > 1  # 至少一人\nAND NOT is_high_tech\n"
    assert holds(rule, employees=2, is_high_tech=False)


def test_printing_a_tree_gives_back_the_same_tree() -> None:
    for rule in [EXAMPLE, "not (a or b) and -(x - (y - z)) / 2 > 3", "x not in (-1, 2.5,)"]:
        assert parse(to_source(parse(rule))) == parse(rule)


def test_explain_lists_each_condition_with_its_values() -> None:
    rule = compile_rule(EXAMPLE, SCHEMA)
    profile = {"registered_region": "江岸区", "is_high_tech": True, "revenue_last_year": 4.2e6}

    explanation = explain(rule, profile)

    assert not explanation.matched
    assert explanation.near_miss
    assert [step.held for step in explanation.steps] == [True, True, False]
    failed = explanation.failed[0]
    assert failed.text == "revenue_last_year >= 5000000.0"
    assert failed.values == {"revenue_last_year": 4.2e6}
    assert explanation.as_dict()["failed"] == ["revenue_last_year >= 5000000.0"]


def test_explain_of_a_match_shows_every_condition_held() -> None:
    rule = compile_rule(EXAMPLE, SCHEMA)
    profile = {"registered_region": "武昌区", "is_high_tech": True, "revenue_last_year": 5e6}

    explanation = explain(rule, profile)

    assert explanation.matched
    assert not explanation.failed
    assert explanation.steps[0].values == {"registered_region": "武昌区"}


def test_explain_accepts_rule_text_and_reads_types_off_the_profile() -> None:
    explanation = explain("revenue >= 5e6 and high_tech", {"revenue": 4e6, "high_tech": True})

    assert explanation.near_miss
    assert explanation.failed[0].text == "revenue >= 5000000.0"
