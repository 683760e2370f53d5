"""Type checker: resolve field names against a schema and type the tree.

The checker rejects, with the place of the fault: unknown fields, operators applied to
the wrong types, comparisons between different types, lists mixing types, numbers or
strings used where a condition is expected, and conditions compared as values.
"""

import difflib
from dataclasses import dataclass, replace
from datetime import date

from govsvc.policies.rules.errors import RuleError
from govsvc.policies.rules.schema import TYPE_LABELS, FieldType, Schema
from govsvc.policies.rules.syntax import (
    CONDITIONS,
    Arith,
    Boolean,
    Compare,
    DateValue,
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
    Truth,
    to_source,
)

ORDERED = {FieldType.NUMBER, FieldType.STRING, FieldType.DATE, FieldType.EMPTY}


@dataclass(frozen=True)
class CheckedRule:
    tree: Node
    fields: tuple[str, ...]

    @property
    def source(self) -> str:
        return to_source(self.tree)


def check(tree: Node, schema: Schema) -> CheckedRule:
    checker = _Checker(schema)
    checked = checker.condition(tree)
    return CheckedRule(checked, tuple(dict.fromkeys(checker.used)))


def check_amount(tree: Node, schema: Schema) -> CheckedRule:
    """Check an amount formula: it must be a number."""
    checker = _Checker(schema)
    checked, kind = checker.value(tree)
    checker.need_number(kind, tree, "金额")
    return CheckedRule(checked, tuple(dict.fromkeys(checker.used)))


def _fail(message: str, pos: Pos) -> RuleError:
    return RuleError(message, pos.line, pos.column, pos.token)


def _label(kind: FieldType) -> str:
    return TYPE_LABELS[kind]


class _Checker:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.used: list[str] = []

    def condition(self, node: Node) -> Node:
        match node:
            case Logic(left=left, right=right):
                return replace(node, left=self.condition(left), right=self.condition(right))
            case Not(operand=operand):
                return replace(node, operand=self.condition(operand))
            case Compare():
                return self.compare(node)
            case InList():
                return self.in_list(node)
            case Boolean():
                return Truth(node, node.pos)
            case Field():
                field, kind = self.field(node)
                if kind in (FieldType.BOOL, FieldType.EMPTY):
                    return Truth(field, node.pos)
                if kind is FieldType.NUMBER and field.name in self.schema.flags:
                    return Truth(replace(field, as_flag=True), node.pos)
                example = f"，例如 {field.name} > 0" if kind is FieldType.NUMBER else ""
                message = f"字段 {field.name} 是{_label(kind)}，不能直接作为条件，请写出比较"
                raise _fail(message + example, node.pos)
        raise _fail("此处应为条件（比较、in 列表或布尔字段），不能是数值或字符串", node.pos)

    def value(self, node: Node) -> tuple[Node, FieldType]:
        match node:
            case Field():
                return self.field(node)
            case Number():
                return node, FieldType.NUMBER
            case String():
                return node, FieldType.STRING
            case Boolean():
                return node, FieldType.BOOL
            case Negate(operand=operand):
                checked, kind = self.value(operand)
                self.need_number(kind, operand, "负号")
                return replace(node, operand=checked), FieldType.NUMBER
            case Arith(op=op, left=left, right=right):
                left_checked, left_kind = self.value(left)
                right_checked, right_kind = self.value(right)
                self.need_number(left_kind, left, op)
                self.need_number(right_kind, right, op)
                return replace(node, left=left_checked, right=right_checked), FieldType.NUMBER
        assert isinstance(node, CONDITIONS)
        raise _fail("此处应为数值、字符串或字段，不能对条件再做比较或运算", node.pos)

    def need_number(self, kind: FieldType, node: Node, op: str) -> None:
        if kind not in (FieldType.NUMBER, FieldType.EMPTY):
            raise _fail(f"“{op}”只能用于数值，这里是{_label(kind)}", _first_pos(node))

    def field(self, node: Field) -> tuple[Field, FieldType]:
        kind = self.schema.types.get(node.name)
        if kind is None:
            known = list(self.schema.names())
            close = difflib.get_close_matches(node.name, known, n=3)
            hint = f"，是否想写 {'、'.join(close)}？" if close else ""
            raise _fail(f"未知字段 {node.name}{hint}", node.pos)
        self.used.append(node.name)
        return replace(node, type=kind), kind

    def compare(self, node: Compare) -> Node:
        left, left_kind = self.value(node.left)
        right, right_kind = self.value(node.right)
        left, right, kind = self.unify(left, left_kind, right, right_kind, node.pos)
        if kind is FieldType.BOOL and node.op not in ("==", "!="):
            raise _fail("布尔值只能用 == 或 != 比较", node.pos)
        return replace(node, left=left, right=right)

    def in_list(self, node: InList) -> Node:
        operand, kind = self.value(node.operand)
        items: list[Literal] = []
        item_kind = _literal_kind(node.items[0])
        for item in node.items:
            if _literal_kind(item) is not item_kind:
                raise _fail(
                    f"列表中的值类型必须一致：前面是{_label(item_kind)}，这里是{_label(_literal_kind(item))}",
                    item.pos,
                )
        for item in node.items:
            operand_checked, item_checked, _ = self.unify(operand, kind, item, item_kind, node.pos)
            items.append(item_checked)  # type: ignore[arg-type]
        return replace(node, operand=operand_checked, items=tuple(items))

    def unify(
        self, left: Node, left_kind: FieldType, right: Node, right_kind: FieldType, pos: Pos
    ) -> tuple[Node, Node, FieldType]:
        if left_kind is right_kind:
            return left, right, left_kind
        if left_kind is FieldType.EMPTY:
            return left, right, right_kind
        if right_kind is FieldType.EMPTY:
            return left, right, left_kind
        converted = self.coerce(right, right_kind, left_kind)
        if converted is not None:
            return left, converted, left_kind
        converted = self.coerce(left, left_kind, right_kind)
        if converted is not None:
            return converted, right, right_kind
        raise _fail(f"不能比较{_label(left_kind)}与{_label(right_kind)}", pos)

    def coerce(self, node: Node, kind: FieldType, target: FieldType) -> Node | None:
        if kind is FieldType.STRING and target is FieldType.DATE and isinstance(node, String):
            try:
                return DateValue(date.fromisoformat(node.value), node.pos)
            except ValueError:
                raise _fail('日期应写成 "YYYY-MM-DD"', node.pos) from None
        if (
            kind is FieldType.NUMBER
            and target is FieldType.BOOL
            and isinstance(node, Field)
            and node.name in self.schema.flags
        ):
            return replace(node, as_flag=True)
        return None


def _literal_kind(item: Literal) -> FieldType:
    if isinstance(item, Number):
        return FieldType.NUMBER
    if isinstance(item, String):
        return FieldType.STRING
    if isinstance(item, Boolean):
        return FieldType.BOOL
    return FieldType.DATE


def _first_pos(node: Node) -> Pos:
    if isinstance(node, Arith):
        return _first_pos(node.left)
    return node.pos
