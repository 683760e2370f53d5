"""Tokenizer: rule text to a list of positioned tokens."""

import re
from dataclasses import dataclass
from enum import Enum

from govsvc.policies.rules.errors import RuleError

MAX_RULE_LENGTH = 20_000


class Kind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OP = "op"
    END = "end"


KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", ",")

# Spelled the way other languages write them; each gets a hint rather than "unexpected".
_FOREIGN = {
    "=": "相等比较请写 ==",
    "&&": "并且请写 and",
    "||": "或者请写 or",
    "!": "取反请写 not",
    "<>": "不等请写 !=",
    "'": "字符串请用双引号",
    "**": "不支持乘方",
    "%": "不支持取余",
    "[": "列表请用圆括号，例如 (1, 2)",
    ".": "不支持属性访问",
}

_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SPACE = re.compile(r"[ \t\r\n\u3000]+")


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    line: int
    column: int
    value: object = None


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_RULE_LENGTH:
        raise RuleError(f"规则过长（超过 {MAX_RULE_LENGTH} 个字符）")
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(source):
        space = _SPACE.match(source, pos)
        if space:
            chunk = space.group()
            newlines = chunk.count("\n")
            if newlines:
                line += newlines
                line_start = pos + chunk.rindex("\n") + 1
            pos = space.end()
            continue

        column = pos - line_start + 1
        char = source[pos]
        if char == "#":  # a comment runs to the end of the line
            end = source.find("\n", pos)
            pos = len(source) if end < 0 else end
            continue
        if char.isdigit() or (char == "." and source[pos + 1 : pos + 2].isdigit()):
            tokens.append(_number(source, pos, line, column))
        elif char == '"':
            tokens.append(_string(source, pos, line, column))
        elif char.isidentifier():
            end = pos + 1
            while end < len(source) and (source[end].isidentifier() or source[end].isdigit()):
                end += 1
            word = source[pos:end]
            kind = Kind.KEYWORD if word.lower() in KEYWORDS else Kind.NAME
            tokens.append(
                Token(kind, word, line, column, word.lower() if kind is Kind.KEYWORD else word)
            )
        else:
            tokens.append(_operator(source, pos, line, column))
        pos += len(tokens[-1].text)
    tokens.append(Token(Kind.END, "", line, pos - line_start + 1))
    return tokens


def _number(source: str, pos: int, line: int, column: int) -> Token:
    match = _NUMBER.match(source, pos)
    assert match is not None
    text = match.group()
    end = match.end()
    if end < len(source) and (source[end].isidentifier() or source[end] == "."):
        raise RuleError("数字写法有误", line, column, source[pos : end + 1])
    value = float(text)
    if value == float("inf"):
        raise RuleError("数字超出范围", line, column, text)
    return Token(Kind.NUMBER, text, line, column, value)


def _string(source: str, pos: int, line: int, column: int) -> Token:
    chars: list[str] = []
    end = pos + 1
    while end < len(source):
        char = source[end]
        if char == '"':
            return Token(Kind.STRING, source[pos : end + 1], line, column, "".join(chars))
        if char == "\n":
            break
        if char == "\\":
            escaped = source[end + 1 : end + 2]
            if escaped not in ('"', "\\"):
                raise RuleError(
                    '字符串中只支持 \\" 和 \\\\ 两种转义', line, column, source[end : end + 2]
                )
            chars.append(escaped)
            end += 2
            continue
        if char == "\x00":
            raise RuleError("字符串中不能有空字符", line, column, source[pos:end])
        chars.append(char)
        end += 1
    raise RuleError("字符串缺少结束的双引号", line, column, source[pos:end])


def _operator(source: str, pos: int, line: int, column: int) -> Token:
    for hint_text in sorted(_FOREIGN, key=len, reverse=True):
        if source.startswith(hint_text, pos) and not any(
            source.startswith(op, pos) and len(op) >= len(hint_text) for op in OPERATORS
        ):
            raise RuleError(f"不支持的写法：{_FOREIGN[hint_text]}", line, column, hint_text)
    for op in OPERATORS:
        if source.startswith(op, pos):
            return Token(Kind.OP, op, line, column, op)
    raise RuleError("无法识别的字符", line, column, source[pos])
