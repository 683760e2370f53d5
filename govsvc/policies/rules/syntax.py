"""The syntax tree. Nodes are immutable; the checker returns a typed copy.

Value nodes (``Field``, literals, ``Negate``, ``Arith``) may be missing at run time.
Condition nodes (``Compare``, ``InList``, ``Not``, ``Logic``, ``Truth``) are always
true or false: that is the two-valued rule documented in ``docs/policies.md``.
"""

from dataclasses import dataclass, field
from datetime import date

from govsvc.policies.rules.schema import FieldType


@dataclass(frozen=True, slots=True)
class Pos:
    line: int
    column: int
    token: str


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    pos: Pos = field(compare=False)
    type: FieldType | None = None
    # A 0/1 number column read as a flag: ``1`` is true, ``0`` is false.
    as_flag: bool = False


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class String:
    value: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class Boolean:
    value: bool
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date; the checker turns ``"2024-01-01"`` into this when compared with a date field."""

    value: date
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class Negate:
    operand: "Node"
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class Arith:
    op: str  # + - * /
    left: "Node"
    right: "Node"
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # == != < <= > >=
    left: "Node"
    right: "Node"
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class InList:
    operand: "Node"
    items: tuple["Literal", ...]
    negated: bool
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    operand: "Node"
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class Logic:
    op: str  # and / or
    left: "Node"
    right: "Node"
    pos: Pos = field(compare=False)


@dataclass(frozen=True, slots=True)
class Truth:
    """A flag used as a condition: true only when the value is present and true."""

    operand: "Node"
    pos: Pos = field(compare=False)


Literal = Number | String | Boolean | DateValue
Node = (
    Field
    | Number
    | String
    | Boolean
    | DateValue
    | Negate
    | Arith
    | Compare
    | InList
    | Not
    | Logic
    | Truth
)

CONDITIONS = (Compare, InList, Not, Logic, Truth)

# Binding strength, loosest first; used to print a tree back to text.
PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7}


def to_source(node: Node) -> str:
    """Render a tree as rule text that parses back to the same tree."""
    return _render(node, 0)


def _render(node: Node, outer: int) -> str:
    match node:
        case Field(name=name):
            return name
        case Number(value=value):
            return repr(float(value))
        case String(value=value):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        case Boolean(value=value):
            return "true" if value else "false"
        case DateValue(value=value):
            return f'"{value.isoformat()}"'
        case Negate(operand=operand):
            text, level = "-" + _render(operand, PRECEDENCE["neg"]), PRECEDENCE["neg"]
        case Arith(op=op, left=left, right=right):
            level = PRECEDENCE[op]
            text = f"{_render(left, level)} {op} {_render(right, level + 1)}"
        case Compare(op=op, left=left, right=right):
            level = PRECEDENCE["compare"]
            text = f"{_render(left, level + 1)} {op} {_render(right, level + 1)}"
        case InList(operand=operand, items=items, negated=negated):
            level = PRECEDENCE["compare"]
            inside = ", ".join(_render(item, 0) for item in items)
            if len(items) == 1:
                inside += ","
            keyword = "not in" if negated else "in"
            text = f"{_render(operand, level + 1)} {keyword} ({inside})"
        case Not(operand=operand):
            level = PRECEDENCE["not"]
            text = "not " + _render(operand, level)
        case Logic(op=op, left=left, right=right):
            level = PRECEDENCE[op]
            text = f"{_render(left, level)} {op} {_render(right, level + 1)}"
        case Truth(operand=operand):
            return _render(operand, outer)
        case _:
            raise TypeError(node)
    return f"({text})" if level < outer else text
