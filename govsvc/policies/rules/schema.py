"""Field schema: which profile fields a rule may name, and their types."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum


class FieldType(Enum):
    NUMBER = "number"
    STRING = "string"
    BOOL = "bool"
    DATE = "date"
    # A column with no values at all (an empty CSV column): every use of it is missing.
    EMPTY = "empty"


TYPE_LABELS = {
    FieldType.NUMBER: "数值",
    FieldType.STRING: "字符串",
    FieldType.BOOL: "布尔",
    FieldType.DATE: "日期",
    FieldType.EMPTY: "空列",
}


@dataclass(frozen=True)
class Schema:
    """Field name to type. ``flags`` are number fields holding only 0 and 1.

    A flag may be used as a condition (``is_high_tech``) or compared with true/false;
    1 is true and 0 is false. This is how CSV files carry booleans as 0/1.
    """

    types: Mapping[str, FieldType]
    flags: frozenset[str] = field(default_factory=frozenset)
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, **types: str) -> "Schema":
        return cls({name: FieldType(kind) for name, kind in types.items()})

    def names(self) -> Iterable[str]:
        return self.types.keys()


ENTERPRISE = Schema(
    {
        "registered_region": FieldType.STRING,
        "industry": FieldType.STRING,
        "enterprise_type": FieldType.STRING,
        "established_on": FieldType.DATE,
        "registered_capital": FieldType.NUMBER,
        "revenue_last_year": FieldType.NUMBER,
        "tax_paid_last_year": FieldType.NUMBER,
        "employees": FieldType.NUMBER,
        "insured_employees": FieldType.NUMBER,
        "rd_expense_ratio": FieldType.NUMBER,
        "patents": FieldType.NUMBER,
        "is_high_tech": FieldType.BOOL,
        "is_specialised_sme": FieldType.BOOL,
        "is_small_micro": FieldType.BOOL,
        "has_credit_issue": FieldType.BOOL,
    },
    labels={
        "registered_region": "注册地所在区",
        "industry": "所属行业",
        "enterprise_type": "企业类型",
        "established_on": "成立日期",
        "registered_capital": "注册资本（元）",
        "revenue_last_year": "上年度营业收入（元）",
        "tax_paid_last_year": "上年度纳税额（元）",
        "employees": "从业人数",
        "insured_employees": "参保职工人数",
        "rd_expense_ratio": "研发投入占比",
        "patents": "有效专利数",
        "is_high_tech": "高新技术企业",
        "is_specialised_sme": "专精特新中小企业",
        "is_small_micro": "小微企业",
        "has_credit_issue": "存在严重失信记录",
    },
)

RESIDENT = Schema(
    {
        "registered_region": FieldType.STRING,
        "age": FieldType.NUMBER,
        "gender": FieldType.STRING,
        "household_type": FieldType.STRING,
        "monthly_income": FieldType.NUMBER,
        "social_insurance_months": FieldType.NUMBER,
        "disability_level": FieldType.NUMBER,
        "is_low_income": FieldType.BOOL,
        "is_veteran": FieldType.BOOL,
        "is_graduate": FieldType.BOOL,
        "graduated_on": FieldType.DATE,
        "birth_date": FieldType.DATE,
    },
    labels={
        "registered_region": "户籍所在区",
        "age": "年龄",
        "gender": "性别",
        "household_type": "户籍类型",
        "monthly_income": "月收入（元）",
        "social_insurance_months": "社保缴费月数",
        "disability_level": "残疾等级",
        "is_low_income": "低保/低收入",
        "is_veteran": "退役军人",
        "is_graduate": "高校毕业生",
        "graduated_on": "毕业日期",
        "birth_date": "出生日期",
    },
)

SCHEMAS = {"enterprise": ENTERPRISE, "resident": RESIDENT}
