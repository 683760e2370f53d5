"""Run a checked rule on one profile, and explain why it matched or not.

This is the reference semantics; the SQL compilers in :mod:`.sql` must agree with it:

* numbers are doubles; ``/`` is true division; dividing by zero gives a missing value;
* an arithmetic result that is NaN (``inf - inf``) is missing; NaN in the data is missing;
* a comparison or ``in`` test with a missing operand is false (never unknown);
* a flag used as a condition is true only when present and true;
* ``not``, ``and``, ``or`` are ordinary two-valued logic on those results.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from govsvc.policies.rules.checker import CheckedRule, check
from govsvc.policies.rules.parser import parse
from govsvc.policies.rules.schema import FieldType, Schema
from govsvc.policies.rules.syntax import (
    Arith,
    Boolean,
    Compare,
    DateValue,
    Field,
    InList,
    Logic,
    Negate,
    Node,
    Not,
    Number,
    String,
    Truth,
    to_source,
)

Value = float | str | bool | date | None
Profile = Mapping[str, Any]

_TRUE_TEXT = {"true": True, "t": True, "1": True, "false": False, "f": False, "0": False}


def read_value(raw: Any, kind: FieldType | None, as_flag: bool = False) -> Value:
    """A profile value as the rule sees it; anything unreadable is missing."""
    if raw is None:
        return None
    if kind is FieldType.NUMBER:
        number = _number(raw)
        if as_flag:
            return None if number is None else number == 1.0
        return number
    if kind is FieldType.BOOL:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int | float) and raw in (0, 1):
            return raw == 1
        if isinstance(raw, str):
            return _TRUE_TEXT.get(raw.strip().lower())
        return None
    if kind is FieldType.STRING:
        return raw if isinstance(raw, str) else str(raw)
    if kind is FieldType.DATE:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            return None
    return None


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, int | float | Decimal):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return None if math.isnan(value) else value


def value_of(node: Node, profile: Profile) -> Value:
    match node:
        case Field(name=name, type=kind, as_flag=as_flag):
            return read_value(profile.get(name), kind, as_flag)
        case (
            Number(value=value)
            | String(value=value)
            | Boolean(value=value)
            | DateValue(value=value)
        ):
            return value
        case Negate(operand=operand):
            number = value_of(operand, profile)
            return None if number is None else -number  # type: ignore[operator]
        case Arith(op=op, left=left, right=right):
            a = value_of(left, profile)
            b = value_of(right, profile)
            if a is None or b is None:
                return None
            return _arith(op, a, b)  # type: ignore[arg-type]
    raise TypeError(f"not a value: {node!r}")


def _arith(op: str, a: float, b: float) -> float | None:
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif b == 0:
        return None
    else:
        result = a / b
    return None if math.isnan(result) else result


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def holds(node: Node, profile: Profile) -> bool:
    match node:
        case Logic(op="and", left=left, right=right):
            return holds(left, profile) and holds(right, profile)
        case Logic(left=left, right=right):
            return holds(left, profile) or holds(right, profile)
        case Not(operand=operand):
            return not holds(operand, profile)
        case Truth(operand=operand):
            return value_of(operand, profile) is True
        case Compare(op=op, left=left, right=right):
            a = value_of(left, profile)
            b = value_of(right, profile)
            return a is not None and b is not None and _compare(op, a, b)
        case InList(operand=operand, items=items, negated=negated):
            a = value_of(operand, profile)
            if a is None:
                return False
            found = any(a == item.value for item in items)
            return not found if negated else found
    raise TypeError(f"not a condition: {node!r}")


def evaluate(rule: CheckedRule, profile: Profile) -> bool:
    return holds(rule.tree, profile)


def amount(formula: CheckedRule, profile: Profile) -> float | None:
    """The value of an amount formula for ``profile``; missing when any input is."""
    value = value_of(formula.tree, profile)
    return None if value is None or not math.isfinite(value) else float(value)  # type: ignore[arg-type]


@dataclass
class Step:
    """One condition of a rule, whether it held, and the profile values it looked at."""

    text: str
    held: bool
    values: dict[str, Value] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "condition": self.text,
            "held": self.held,
            "values": {k: _plain(v) for k, v in self.values.items()},
        }


@dataclass
class Explanation:
    matched: bool
    steps: list[Step]

    @property
    def failed(self) -> list[Step]:
        return [step for step in self.steps if not step.held]

    @property
    def near_miss(self) -> bool:
        """Missed by exactly one of the rule's top-level conditions."""
        return not self.matched and len(self.failed) == 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "near_miss": self.near_miss,
            "steps": [step.as_dict() for step in self.steps],
            "failed": [step.text for step in self.failed],
        }


def schema_of(profile: Profile) -> Schema:
    """Field types read off a profile's Python values (for quick checks from a shell)."""
    types: dict[str, FieldType] = {}
    for name, value in profile.items():
        if isinstance(value, bool):
            types[name] = FieldType.BOOL
        elif isinstance(value, int | float | Decimal):
            types[name] = FieldType.NUMBER
        elif isinstance(value, date):
            types[name] = FieldType.DATE
        elif isinstance(value, str):
            types[name] = FieldType.STRING
        else:
            types[name] = FieldType.EMPTY
    return Schema(types)


def explain(rule: CheckedRule | str, profile: Profile, schema: Schema | None = None) -> Explanation:
    """Split the rule at its top-level ``and`` and evaluate each part on ``profile``.

    ``rule`` may be text; it is then checked against ``schema``, or against the types of
    the profile's own values when no schema is given.
    """
    if isinstance(rule, str):
        rule = check(parse(rule), schema or schema_of(profile))
    steps = [
        Step(to_source(part), holds(part, profile), _values(part, profile))
        for part in _conjuncts(rule.tree)
    ]
    matched = evaluate(rule, profile)
    assert matched == all(step.held for step in steps)
    return Explanation(matched, steps)


def _conjuncts(node: Node) -> list[Node]:
    if isinstance(node, Logic) and node.op == "and":
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _values(node: Node, profile: Profile) -> dict[str, Value]:
    found: dict[str, Value] = {}

    def walk(current: Node) -> None:
        if isinstance(current, Field):
            found[current.name] = read_value(profile.get(current.name), current.type)
            return
        for child in ("left", "right", "operand"):
            if hasattr(current, child):
                walk(getattr(current, child))

    walk(node)
    return found


def _plain(value: Value) -> Any:
    return value.isoformat() if isinstance(value, date) else value
