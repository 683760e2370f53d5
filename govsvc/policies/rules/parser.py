"""Recursive-descent parser: tokens to a syntax tree.

Grammar, loosest binding first::

    rule       := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [ (== | != | < | <= | > | >=) sum | ["not"] "in" list ]
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | STRING | "true" | "false" | NAME | "(" or_expr ")"
    list       := "(" literal ("," literal)* [","] ")"
    literal    := ["-"] NUMBER | STRING | "true" | "false"

Comparisons do not chain: ``a < b < c`` is an error, not Python's chained comparison.
"""

from govsvc.policies.rules.errors import RuleError
from govsvc.policies.rules.lexer import Kind, Token, tokenize
from govsvc.policies.rules.syntax import (
    Arith,
    Boolean,
    Compare,
    Field,
    InList,
    Literal,
    Logic,
    Negate,
    Node,
    Not,
    Number,
    Pos,
    String,
)

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
MAX_DEPTH = 60


def parse(source: str) -> Node:
    return _Parser(tokenize(source)).rule()


def parse_amount(source: str) -> Node:
    """An amount formula: arithmetic only, e.g. ``employees * 1000``."""
    parser = _Parser(tokenize(source))
    if parser.at(Kind.END):
        raise RuleError("金额公式为空")
    node = parser.sum()
    if not parser.at(Kind.END):
        raise parser.fail("金额公式只能包含数值、数值字段和 + - * /")
    return node


def _pos(token: Token) -> Pos:
    return Pos(token.line, token.column, token.text)


def _describe(token: Token) -> str:
    return "规则结尾" if token.kind is Kind.END else token.text


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: Kind, *texts: str) -> bool:
        token = self.token
        return token.kind is kind and (not texts or token.value in texts)

    def fail(self, message: str, token: Token | None = None) -> RuleError:
        token = token or self.token
        return RuleError(message, token.line, token.column, _describe(token))

    def expect_close(self, opening: Token) -> None:
        if not self.at(Kind.OP, ")"):
            raise self.fail(f"缺少右括号，对应第{opening.line}行第{opening.column}列的左括号")
        self.advance()

    def rule(self) -> Node:
        if self.at(Kind.END):
            raise RuleError("规则为空")
        node = self.or_expr()
        if not self.at(Kind.END):
            if self.at(Kind.OP, ")"):
                raise self.fail("多余的右括号")
            raise self.fail("此处应为 and、or 或规则结尾")
        return node

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"嵌套层数超过 {MAX_DEPTH}")

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.at(Kind.KEYWORD, "or"):
            op = self.advance()
            node = Logic("or", node, self.and_expr(), _pos(op))
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at(Kind.KEYWORD, "and"):
            op = self.advance()
            node = Logic("and", node, self.not_expr(), _pos(op))
        return node

    def not_expr(self) -> Node:
        if self.at(Kind.KEYWORD, "not"):
            op = self.advance()
            self.nest()
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand, _pos(op))
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        token = self.token
        node: Node
        if token.kind is Kind.OP and token.value in COMPARISONS:
            self.advance()
            node = Compare(token.text, left, self.sum(), _pos(token))
        elif self.at(Kind.KEYWORD, "in"):
            self.advance()
            node = InList(left, self.literal_list(), False, _pos(token))
        elif self.at(Kind.KEYWORD, "not") and self.tokens[self.index + 1].value == "in":
            self.advance()
            self.advance()
            node = InList(left, self.literal_list(), True, Pos(token.line, token.column, "not in"))
        else:
            return left
        after = self.token
        if (after.kind is Kind.OP and after.value in COMPARISONS) or self.at(Kind.KEYWORD, "in"):
            raise self.fail("比较不能连写，请用 and 连接两个比较", after)
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.at(Kind.OP, "+", "-"):
            op = self.advance()
            node = Arith(op.text, node, self.product(), _pos(op))
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at(Kind.OP, "*", "/"):
            op = self.advance()
            node = Arith(op.text, node, self.unary(), _pos(op))
        return node

    def unary(self) -> Node:
        if self.at(Kind.OP, "-"):
            op = self.advance()
            self.nest()
            operand = self.unary()
            self.depth -= 1
            return Negate(operand, _pos(op))
        return self.atom()

    def atom(self) -> Node:
        token = self.token
        if token.kind is Kind.NUMBER:
            self.advance()
            return Number(float(token.value), _pos(token))  # type: ignore[arg-type]
        if token.kind is Kind.STRING:
            self.advance()
            return String(str(token.value), _pos(token))
        if self.at(Kind.KEYWORD, "true", "false"):
            self.advance()
            return Boolean(token.value == "true", _pos(token))
        if token.kind is Kind.NAME:
            self.advance()
            if self.at(Kind.OP, "("):
                raise self.fail("不支持函数调用", token)
            return Field(token.text, _pos(token))
        if self.at(Kind.OP, "("):
            opening = self.advance()
            self.nest()
            node = self.or_expr()
            self.depth -= 1
            self.expect_close(opening)
            return node
        if token.kind is Kind.END:
            raise self.fail("规则不完整，此处缺少字段或数值")
        raise self.fail("此处应为字段、数值、字符串或左括号")

    def literal_list(self) -> tuple[Literal, ...]:
        if not self.at(Kind.OP, "("):
            raise self.fail('in 后面应为圆括号括起的列表，例如 ("江岸区", "武昌区")')
        opening = self.advance()
        items: list[Literal] = []
        while not self.at(Kind.OP, ")"):
            items.append(self.literal())
            if self.at(Kind.OP, ","):
                self.advance()
            elif not self.at(Kind.OP, ")"):
                raise self.fail("列表各项之间应以逗号分隔")
        if not items:
            raise self.fail("列表不能为空", opening)
        self.expect_close(opening)
        return tuple(items)

    def literal(self) -> Literal:
        token = self.token
        if self.at(Kind.OP, "-") and self.tokens[self.index + 1].kind is Kind.NUMBER:
            self.advance()
            number = self.advance()
            return Number(-float(number.value), _pos(token))  # type: ignore[arg-type]
        if token.kind is Kind.NUMBER:
            self.advance()
            return Number(float(token.value), _pos(token))  # type: ignore[arg-type]
        if token.kind is Kind.STRING:
            self.advance()
            return String(str(token.value), _pos(token))
        if self.at(Kind.KEYWORD, "true", "false"):
            self.advance()
            return Boolean(token.value == "true", _pos(token))
        raise self.fail("列表中只能写数值、字符串或 true/false")
