"""Compile a checked rule to SQL. One tree, several dialects.

Every condition compiles to an expression that is TRUE or FALSE, never NULL, so that
``NOT`` and ``OR`` behave as in :mod:`.evaluator`:

* a condition is made two-valued with ``COALESCE(c, FALSE)`` wherever the difference shows:
  at the top of a SELECT expression and under NOT (a WHERE clause and AND/OR do not need it);
* ``a / b`` becomes ``a / NULLIF(b, 0)`` (missing, not an error or infinity);
* an arithmetic result that is NaN is turned into NULL before it is compared, because SQL
  engines order NaN above every number and call it equal to itself, while the rule calls it
  missing;
* number literals are written as ``CAST('<repr>' AS DOUBLE)``: a bare ``0.1`` is a DECIMAL
  in DuckDB and PostgreSQL, and DECIMAL arithmetic would round differently from doubles.

The compiled SQL expects the profile relation in canonical column types: numbers DOUBLE
(NaN already replaced by NULL), flags BOOLEAN, strings VARCHAR/TEXT, dates DATE.
"""

from dataclasses import dataclass

from govsvc.policies.rules.checker import CheckedRule
from govsvc.policies.rules.schema import FieldType
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
)

ARITH_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
SQL_OPERATORS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass(frozen=True)
class Dialect:
    name: str
    double: str = "DOUBLE"
    ident_quote: str = '"'
    # PostgreSQL compares text by the database collation; "C" gives code-point order.
    string_collation: str = ""
    backslash_escapes: bool = False

    def ident(self, name: str) -> str:
        q = self.ident_quote
        return q + name.replace(q, q + q) + q

    def string(self, value: str) -> str:
        if self.backslash_escapes:
            value = value.replace("\\", "\\\\")
        return "'" + value.replace("'", "''") + "'"

    def number(self, value: float) -> str:
        return f"CAST('{value!r}' AS {self.double})"

    def arith(self, op: str, left: str, right: str) -> str:
        if self.name == "postgresql":
            # PostgreSQL raises on float overflow and underflow; these helpers (see
            # govsvc.policies.pg) give infinity and zero instead, as IEEE and Python do.
            return f"pg_temp.rule_{ARITH_NAMES[op]}({left}, {right})"
        return f"({left} {op} {right})"

    def nan_to_null(self, text: str) -> str:
        if self.name == "postgresql":  # PostgreSQL calls NaN equal to NaN
            return f"NULLIF({text}, CAST('NaN' AS {self.double}))"
        if self.name == "spark":
            return f"nanvl({text}, CAST(NULL AS {self.double}))"
        # DuckDB: NULLIF(x, NaN) misses NaN read from Parquet, so test isnan() directly.
        return f"(CASE WHEN isnan({text}) THEN NULL ELSE {text} END)"

    def compile(self, rule: CheckedRule, *, where: bool = False) -> str:
        compiler = _Compiler(self)
        return compiler.loose(rule.tree) if where else compiler.condition(rule.tree)


DUCKDB = Dialect("duckdb")
POSTGRESQL = Dialect("postgresql", double="DOUBLE PRECISION", string_collation='"C"')
SPARK = Dialect("spark", ident_quote="`", backslash_escapes=True)

DIALECTS = {d.name: d for d in (DUCKDB, POSTGRESQL, SPARK)}


def to_sql(rule: CheckedRule, dialect: Dialect = DUCKDB, *, where: bool = False) -> str:
    """The rule as a SQL boolean: TRUE or FALSE, never NULL.

    With ``where=True`` the result may be NULL where the rule does not hold, which a WHERE
    clause treats as FALSE; fewer COALESCE calls keep the batch fast.
    """
    return dialect.compile(rule, where=where)


def amount_sql(formula: CheckedRule, dialect: Dialect = DUCKDB) -> str:
    """An amount formula as a SQL number; NULL where the Python evaluator gives None."""
    return _Compiler(dialect).operand(formula.tree)


def _has_arith(node: Node) -> bool:
    if isinstance(node, Arith):
        return True
    if isinstance(node, Negate):
        return _has_arith(node.operand)
    return False


class _Compiler:
    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect

    def condition(self, node: Node) -> str:
        """SQL that is TRUE when the rule holds and FALSE otherwise, never NULL."""
        if isinstance(node, Not) or (isinstance(node, Truth) and isinstance(node.operand, Boolean)):
            return self.loose(node)
        return f"COALESCE({self.loose(node)}, FALSE)"

    def loose(self, node: Node) -> str:
        """SQL that is TRUE exactly when the rule holds; otherwise FALSE or NULL.

        Enough for a WHERE clause, and inside AND/OR: both are monotone, so a NULL operand
        can make the result TRUE only if FALSE in its place would too. Only the operand of
        NOT must be made two-valued, by :meth:`condition`.
        """
        match node:
            case Logic(op=op, left=left, right=right):
                return f"({self.loose(left)} {op.upper()} {self.loose(right)})"
            case Not(operand=operand):
                return f"(NOT {self.condition(operand)})"
            case Truth(operand=Boolean(value=value)):
                return "TRUE" if value else "FALSE"
            case Truth(operand=operand):
                return self.value(operand)
            case Compare(op=op, left=left, right=right):
                a, b = self.operand(left), self.operand(right)
                if self.d.string_collation and self.is_string(left, right):
                    a = f"{a} COLLATE {self.d.string_collation}"
                return f"({a} {SQL_OPERATORS[op]} {b})"
            case InList(operand=operand, items=items, negated=negated):
                inside = ", ".join(self.value(item) for item in items)
                keyword = "NOT IN" if negated else "IN"
                return f"({self.operand(operand)} {keyword} ({inside}))"
        raise TypeError(f"not a condition: {node!r}")

    def is_string(self, *nodes: Node) -> bool:
        return any(
            isinstance(n, String) or (isinstance(n, Field) and n.type is FieldType.STRING)
            for n in nodes
        )

    def operand(self, node: Node) -> str:
        text = self.value(node)
        if _has_arith(node):
            return self.d.nan_to_null(text)
        return text

    def value(self, node: Node) -> str:
        match node:
            case Field(type=FieldType.EMPTY):
                return "NULL"
            case Field(name=name, as_flag=True):
                return f"({self.d.ident(name)} = {self.d.number(1.0)})"
            case Field(name=name):
                return self.d.ident(name)
            case Number(value=value):
                return self.d.number(value)
            case String(value=value):
                return self.d.string(value)
            case Boolean(value=value):
                return "TRUE" if value else "FALSE"
            case DateValue(value=value):
                return f"DATE '{value.isoformat()}'"
            case Negate(operand=operand):
                return f"(- {self.value(operand)})"
            case Arith(op="/", left=left, right=right):
                divisor = f"NULLIF({self.value(right)}, {self.d.number(0.0)})"
                return self.d.arith("/", self.value(left), divisor)
            case Arith(op=op, left=left, right=right):
                return self.d.arith(op, self.value(left), self.value(right))
        raise TypeError(f"not a value: {node!r}")
