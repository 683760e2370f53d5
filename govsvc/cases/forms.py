"""One form (一表申请) and situational guidance (情形引导) for a bundle.

The data dictionary (data/forms/fields.yaml) defines every field once; data/forms/items.yaml
says which fields each catalog item needs and which its result provides; data/guidance/NN.yaml
holds a bundle's situation questions. From them a bundle's merged form asks each field once,
skips fields another sub-item's result provides, and prefills from the applicant's profile
and earlier cases.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from stdnum.cn import ric, uscc

from govsvc.bundles.models import Bundle, BundleItem
from govsvc.catalog.models import ServiceItem
from govsvc.core.phones import PHONE_HINT, InvalidPhone, mobile_number, normalize_phone

DATA = Path(settings.BASE_DIR) / "data"
FIELD_TYPES = {
    "string", "text", "integer", "decimal", "date", "bool", "choice", "id_number",
    "credit_code", "phone", "mobile", "address", "email",
}  # fmt: skip
PII_CLASSES = {"none", "name", "id_number", "phone", "address", "health", "financial", "other"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    type: str
    pii: str = "none"
    help: str = ""
    profile: bool = False
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    choices: tuple[tuple[str, str], ...] = ()

    def validate(self, raw: Any) -> tuple[Any, str | None]:
        """The cleaned value and an error message in Chinese (None when valid)."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None, f"请填写「{self.label}」"
        value = raw.strip() if isinstance(raw, str) else raw
        checker = getattr(self, f"_check_{self.type}", None)
        if checker is not None:
            return checker(value)
        text = str(value)
        if self.max_length and len(text) > self.max_length:
            return None, f"「{self.label}」不能超过 {self.max_length} 个字"
        if self.pattern and not re.fullmatch(self.pattern, text):
            return None, f"「{self.label}」格式不正确"
        return text, None

    def _check_integer(self, value: Any) -> tuple[Any, str | None]:
        try:
            number = int(str(value))
        except ValueError:
            return None, f"「{self.label}」应为整数"
        return self._range(number)

    def _check_decimal(self, value: Any) -> tuple[Any, str | None]:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None, f"「{self.label}」应为数字"
        cleaned, error = self._range(number)
        return (str(cleaned) if cleaned is not None else None), error

    def _range(self, number: Any) -> tuple[Any, str | None]:
        if self.min is not None and number < self.min:
            return None, f"「{self.label}」不能小于 {self.min:g}"
        if self.max is not None and number > self.max:
            return None, f"「{self.label}」不能大于 {self.max:g}"
        return number, None

    def _check_date(self, value: Any) -> tuple[Any, str | None]:
        try:
            return dt.date.fromisoformat(str(value)).isoformat(), None
        except ValueError:
            return None, f"「{self.label}」应为日期，如 2026-12-03"

    def _check_bool(self, value: Any) -> tuple[Any, str | None]:
        if isinstance(value, bool):
            return value, None
        text = str(value).lower()
        if text in {"true", "1", "yes", "on", "是"}:
            return True, None
        if text in {"false", "0", "no", "off", "否"}:
            return False, None
        return None, f"「{self.label}」请选择是或否"

    def _check_choice(self, value: Any) -> tuple[Any, str | None]:
        if str(value) in {c for c, _ in self.choices}:
            return str(value), None
        return None, f"「{self.label}」请从选项中选择"

    def _check_id_number(self, value: Any) -> tuple[Any, str | None]:
        text = str(value).upper()
        if not ric.is_valid(text):
            return None, f"「{self.label}」不是有效的公民身份号码"
        return text, None

    def _check_credit_code(self, value: Any) -> tuple[Any, str | None]:
        text = str(value).upper()
        if not uscc.is_valid(text):
            return None, f"「{self.label}」不是有效的统一社会信用代码"
        return text, None

    def _check_phone(self, value: Any) -> tuple[Any, str | None]:
        try:
            return normalize_phone(str(value)), None
        except InvalidPhone:
            return None, f"「{self.label}」不是有效的电话号码：应为 {PHONE_HINT}"

    def _check_mobile(self, value: Any) -> tuple[Any, str | None]:
        # A number the platform texts (notices, 好差评 invitations): a landline will not do.
        number = mobile_number(str(value))
        if not number:
            return None, f"「{self.label}」不是有效的手机号码：应为 11 位手机号"
        return number, None

    def _check_email(self, value: Any) -> tuple[Any, str | None]:
        if not _EMAIL.match(str(value)):
            return None, f"「{self.label}」不是有效的电子邮箱"
        return str(value), None


@dataclass(frozen=True)
class Dictionary:
    fields: dict[str, FieldDef]
    defaults: dict[str, list[str]]
    needs: dict[str, list[str]]
    provides: dict[str, list[str]]


def _read(path: Path) -> Any:
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _field(raw: dict[str, Any]) -> FieldDef:
    choices = tuple(
        (str(c["value"]), str(c.get("label", c["value"])))
        if isinstance(c, dict)
        else (str(c), str(c))
        for c in raw.get("choices") or []
    )
    return FieldDef(
        key=raw["key"],
        label=raw.get("label", raw["key"]),
        type=raw.get("type", "string"),
        pii=raw.get("pii", "none"),
        help=raw.get("help", ""),
        profile=bool(raw.get("profile", False)),
        max_length=raw.get("max_length"),
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=raw.get("pattern"),
        choices=choices,
    )


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    raw = _read(DATA / "forms" / "fields.yaml") or {}
    fields = {f["key"]: _field(f) for f in raw.get("fields", [])}
    items = _read(DATA / "forms" / "items.yaml") or {}
    return Dictionary(
        fields=fields,
        defaults={k: list(v) for k, v in (raw.get("defaults") or {}).items()},
        needs={str(code): list(v.get("needs") or []) for code, v in items.items()},
        provides={str(code): list(v.get("provides") or []) for code, v in items.items()},
    )


def label(key: str) -> str:
    """A field's label from the data dictionary, or its key when the dictionary lacks it."""
    field = dictionary().fields.get(key)
    return field.label if field else key


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    type: str
    default: Any
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Guidance:
    questions: tuple[Question, ...]
    conditions: dict[str, dict[str, Any]]  # item code -> answers it needs


@lru_cache(maxsize=64)
def guidance(list_no: int) -> Guidance:
    raw = _read(DATA / "guidance" / f"{list_no:02d}.yaml") or {}
    questions = tuple(
        Question(
            key=q["key"],
            text=q["text"],
            type=q.get("type", "bool"),
            default=q.get("default"),
            help=q.get("help", ""),
            choices=tuple(
                (str(c["value"]), str(c.get("label", c["value"]))) for c in q.get("choices") or []
            ),
        )
        for q in raw.get("questions") or []
    )
    conditions = {str(i["code"]): dict(i.get("when") or {}) for i in raw.get("items") or []}
    return Guidance(questions, conditions)


def clean_answers(bundle: Bundle, answers: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers with defaults filled in, and errors by question key."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in guidance(bundle.list_no).questions:
        value = answers.get(q.key, q.default)
        if q.type == "bool":
            if isinstance(value, str):
                value = value.lower() in {"true", "1", "yes", "on", "是"}
            cleaned[q.key] = bool(value)
        elif value in {c for c, _ in q.choices}:
            cleaned[q.key] = value
        else:
            errors[q.key] = f"请回答：{q.text}"
    return cleaned, errors


def _matches(condition: dict[str, Any], answers: dict[str, Any]) -> bool:
    for key, wanted in condition.items():
        value = answers.get(key)
        if isinstance(wanted, list):
            if value not in wanted:
                return False
        elif value != wanted:
            return False
    return True


def applicable_links(bundle: Bundle, answers: dict[str, Any]) -> list[BundleItem]:
    conditions = guidance(bundle.list_no).conditions
    links = bundle.bundle_items.select_related("item__department").order_by("order")
    return [
        link
        for link in links
        if link.item.basic_code not in conditions
        or _matches(conditions[link.item.basic_code], answers)
    ]


@dataclass
class MergedForm:
    fields: list[FieldDef] = field(default_factory=list)
    provided: dict[str, str] = field(default_factory=dict)  # field key -> item name providing it
    used_by: dict[str, list[str]] = field(default_factory=dict)


def merged_form(items: list[ServiceItem], audience: str) -> MergedForm:
    """Each field once; a field that one item's result provides is not asked."""
    book = dictionary()
    form = MergedForm()
    for item in items:
        for key in book.provides.get(item.basic_code, []):
            form.provided.setdefault(key, item.name)
    seen: set[str] = set()
    default_keys = book.defaults.get(audience, [])
    for item in items:
        keys = book.needs.get(item.basic_code) or default_keys
        for key in [*default_keys, *keys]:
            form.used_by.setdefault(key, [])
            if item.name not in form.used_by[key] and key in keys:
                form.used_by[key].append(item.name)
            if key in seen or key in form.provided or key not in book.fields:
                continue
            seen.add(key)
            form.fields.append(book.fields[key])
    return form


def validate_form(form: MergedForm, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        value, error = f.validate(data.get(f.key))
        if error:
            errors[f.key] = error
        else:
            cleaned[f.key] = value
    return cleaned, errors
