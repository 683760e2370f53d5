"""Numbers at the edges: SMS replies, the provincial scale, the national scale."""

import pytest

from govsvc.evaluations import levels
from govsvc.evaluations.models import Level


@pytest.mark.parametrize(
    ("body", "level", "text"),
    [
        ("1", Level.VERY_SATISFIED, ""),
        ("2", Level.SATISFIED, ""),
        ("3", Level.BASIC, ""),
        ("4", Level.DISSATISFIED, ""),
        ("5", Level.VERY_DISSATISFIED, ""),
        ("  ５ ", Level.VERY_DISSATISFIED, ""),
        ("4，排队太久", Level.DISSATISFIED, "排队太久"),
        ("3: 一般", Level.BASIC, "一般"),
        ("非常不满意", Level.VERY_DISSATISFIED, ""),
        ("非常满意！谢谢小李", Level.VERY_SATISFIED, "谢谢小李"),
        ("不满意 材料要求前后不一", Level.DISSATISFIED, "材料要求前后不一"),
        ("满意", Level.SATISFIED, ""),
        ("基本满意", Level.BASIC, ""),
    ],
)
def test_sms_replies_are_read_by_the_documented_mapping(body: str, level: Level, text: str) -> None:
    parsed = levels.parse_sms(body)
    assert parsed is not None
    assert (parsed.level, parsed.text) == (level, text)


@pytest.mark.parametrize("body", ["", "   ", "0", "6", "12", "好的", "请问进度", "满"])
def test_replies_that_are_no_rating_are_not_guessed(body: str) -> None:
    assert levels.parse_sms(body) is None


def test_the_two_numberings_run_in_opposite_directions() -> None:
    assert levels.NATIONAL[Level.VERY_SATISFIED] == 1
    assert levels.PROVINCIAL[Level.VERY_SATISFIED] == 5
    assert levels.PROVINCIAL[Level.VERY_DISSATISFIED] == 1
    for level in Level:
        assert levels.from_provincial(levels.PROVINCIAL[level]) == level
        assert levels.NATIONAL[level] + levels.PROVINCIAL[level] == 6
        assert levels.SMS_DIGITS[str(levels.NATIONAL[level])] == level
    with pytest.raises(ValueError):
        levels.from_provincial(0)
