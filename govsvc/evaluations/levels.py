"""Numbers for levels exist only here, at the edges where other systems speak numbers.

- Provincial 好差评 interface: 1 = 非常不满意 ... 5 = 非常满意.
- GB/T 39046 and our SMS invitation: 1 = 非常满意 ... 5 = 非常不满意.
- Statistics score: 非常满意 100, 满意 80, 基本满意 60, 不满意 40, 非常不满意 20.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from govsvc.evaluations.models import Level

# Best first: the order in which the scale is shown and numbered by the national standard.
ORDER: tuple[Level, ...] = (
    Level.VERY_SATISFIED,
    Level.SATISFIED,
    Level.BASIC,
    Level.DISSATISFIED,
    Level.VERY_DISSATISFIED,
)

PROVINCIAL: dict[Level, int] = {level: 5 - i for i, level in enumerate(ORDER)}
NATIONAL: dict[Level, int] = {level: i + 1 for i, level in enumerate(ORDER)}
SMS_DIGITS: dict[str, Level] = {str(i + 1): level for i, level in enumerate(ORDER)}
SCORE: dict[Level, int] = {level: 100 - 20 * i for i, level in enumerate(ORDER)}

# Longest words first, so 非常不满意 is not read as 不满意 or 满意.
_WORDS: tuple[tuple[str, Level], ...] = (
    ("非常不满意", Level.VERY_DISSATISFIED),
    ("非常满意", Level.VERY_SATISFIED),
    ("基本满意", Level.BASIC),
    ("比较满意", Level.BASIC),
    ("不满意", Level.DISSATISFIED),
    ("满意", Level.SATISFIED),
)
_LEADING_DIGIT = re.compile(r"^([1-5])(?![0-9])[\s,，.。:：、]*(.*)$", re.DOTALL)

SMS_INVITATION = (
    "您办理的{what}已完成，请回复数字评价：1非常满意 2满意 3基本满意 4不满意 5非常不满意，"
    "可在数字后附上意见。"
)


def from_provincial(number: int) -> Level:
    for level, value in PROVINCIAL.items():
        if value == number:
            return level
    raise ValueError(f"省级评价等级应为 1-5，收到 {number}")


@dataclass(frozen=True)
class SmsReply:
    level: Level
    text: str


def parse_sms(body: str) -> SmsReply | None:
    """Read a reply such as "1", "４ 排队太久" or "非常满意，谢谢"; None if it is no rating.

    Full-width digits and spaces are folded first (phones often send them).
    """
    text = unicodedata.normalize("NFKC", body).strip()
    if not text:
        return None
    match = _LEADING_DIGIT.match(text)
    if match:
        return SmsReply(SMS_DIGITS[match.group(1)], match.group(2).strip())
    for word, level in _WORDS:
        if text.startswith(word):
            return SmsReply(level, text[len(word) :].lstrip(" ,，.。:：、!！").strip())
    return None
