"""The eligibility-rule language (政策规则): parse, check, evaluate, explain, compile to SQL.

A rule is a small boolean expression over profile fields, for example::

    registered_region in ("江岸区", "武昌区") and is_high_tech and revenue_last_year >= 5e6

The pieces, in the order a rule passes through them:

* :mod:`.lexer` turns text into tokens, each with its line and column;
* :mod:`.parser` builds the syntax tree (:mod:`.syntax`) by recursive descent;
* :mod:`.checker` resolves field names against a :class:`.schema.Schema` and types the tree;
* :mod:`.evaluator` runs a checked rule on one profile and explains the outcome;
* :mod:`.sql` compiles the same checked tree to DuckDB, PostgreSQL or Spark SQL.

Semantics (the same in every engine) are written down in ``docs/policies.md``.
"""

from govsvc.policies.rules.checker import CheckedRule, check, check_amount
from govsvc.policies.rules.errors import RuleError
from govsvc.policies.rules.evaluator import Explanation, evaluate, explain
from govsvc.policies.rules.parser import parse, parse_amount
from govsvc.policies.rules.schema import FieldType, Schema

__all__ = [
    "CheckedRule",
    "Explanation",
    "FieldType",
    "RuleError",
    "Schema",
    "check",
    "compile_amount",
    "compile_rule",
    "evaluate",
    "explain",
    "parse",
]


def compile_rule(text: str, schema: Schema) -> CheckedRule:
    """Parse and check ``text``; raise :class:`RuleError` naming the place of the first fault."""
    return check(parse(text), schema)


def compile_amount(text: str, schema: Schema) -> CheckedRule:
    """Parse and check an amount formula such as ``insured_employees * 1000``."""
    return check_amount(parse_amount(text), schema)
