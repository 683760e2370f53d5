"""Profiles (画像): importing files of shared data, and reading values as of a date."""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import Max

from govsvc.core import audit
from govsvc.core.phones import InvalidPhone, normalize_phone
from govsvc.policies.models import FactSource, Profile, ProfileFact, ProfileImport
from govsvc.policies.rules import FieldType, Schema
from govsvc.policies.rules.schema import SCHEMAS

CONTACT_COLUMNS = ("name", "phone", "bank_account")
MAX_REPORTED_ERRORS = 500
_TRUE = {"true", "t", "1", "是", "yes", "y"}
_FALSE = {"false", "f", "0", "否", "no", "n"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, missing entity_id column)."""


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ImportReport:
    rows_total: int = 0
    rows_ok: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def parse_cell(raw: Any, kind: FieldType) -> Any:
    """A cell as the typed JSON value stored in a fact; ``None`` for empty.

    Raises ValueError with a message for the import report.
    """
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if kind is FieldType.NUMBER:
        if isinstance(raw, bool):
            raise ValueError("应为数值")
        try:
            number = float(str(raw).replace(",", "").strip())
        except ValueError:
            raise ValueError("应为数值") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("应为有限数值")
        return number
    if kind is FieldType.BOOL:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError("应为 是/否（true/false 或 1/0）")
    if kind is FieldType.DATE:
        if isinstance(raw, date):
            return raw.isoformat()[:10]
        try:
            return date.fromisoformat(str(raw).strip()[:10]).isoformat()
        except ValueError:
            raise ValueError("应为日期 YYYY-MM-DD") from None
    return str(raw).strip()


def read_rows(name: str, handle: BinaryIO) -> Iterator[dict[str, Any]]:
    suffix = name.lower().rsplit(".", 1)[-1]
    if suffix == "csv":
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        yield from csv.DictReader(text)
    elif suffix == "parquet":
        import pyarrow.parquet as pq

        yield from pq.read_table(handle).to_pylist()
    elif suffix in ("xlsx", "xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(handle, read_only=True, data_only=True).active
        if sheet is None:
            return
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for values in rows:
            yield dict(zip(header, values, strict=False))
    else:
        raise ImportFileError("不支持的文件格式：请上传 CSV、Parquet 或 Excel（.xlsx）文件")


def import_profiles(
    name: str,
    handle: BinaryIO,
    *,
    kind: str,
    as_of: date,
    source: str = FactSource.IMPORT,
    actor: Any = None,
) -> ProfileImport:
    """Import a file of profiles: good rows are kept, bad rows are reported by number."""
    schema = SCHEMAS[kind]
    report = ImportReport()
    good: list[tuple[str, dict[str, Any], dict[str, str]]] = []
    seen_columns: set[str] = set()
    try:
        for number, row in enumerate(read_rows(name, handle), start=2):
            report.rows_total += 1
            seen_columns.update(str(key) for key in row if key is not None)
            parsed = _parse_row(number, row, schema, report)
            if parsed is not None:
                good.append(parsed)
    except ImportFileError:
        raise
    except Exception as exc:  # each reader fails its own way (zip, Arrow, encoding)
        raise ImportFileError(f"文件无法读取：{type(exc).__name__}") from exc
    if report.rows_total and "entity_id" not in seen_columns:
        raise ImportFileError("文件缺少 entity_id 列")
    known = {"entity_id", *CONTACT_COLUMNS, *schema.names()}
    report.ignored_columns = sorted(c for c in seen_columns if c and c not in known)

    with transaction.atomic():
        for entity_id, values, contact in good:
            _store(kind, entity_id, values, contact, as_of, source)
        report.rows_ok = len(good)
        record = ProfileImport.objects.create(
            kind=kind,
            file_name=name[:255],
            as_of=as_of,
            rows_total=report.rows_total,
            rows_ok=report.rows_ok,
            errors=[e.as_dict() for e in report.errors[:MAX_REPORTED_ERRORS]],
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        audit.record(
            "policy_profiles_imported",
            record,
            actor=actor,
            summary=f"{name}: {report.rows_ok}/{report.rows_total}",
            data={"ignored_columns": report.ignored_columns},
        )
    return record


def _parse_row(
    number: int, row: dict[str, Any], schema: Schema, report: ImportReport
) -> tuple[str, dict[str, Any], dict[str, str]] | None:
    entity_id = str(row.get("entity_id") or "").strip()
    if not entity_id:
        report.errors.append(RowError(number, "entity_id", "", "缺少 entity_id"))
        return None
    values: dict[str, Any] = {}
    ok = True
    for name, kind in schema.types.items():
        if name not in row:
            continue
        try:
            values[name] = parse_cell(row[name], kind)
        except ValueError as exc:
            report.errors.append(RowError(number, name, str(row[name])[:100], str(exc)))
            ok = False
    contact = _contact(number, row, report)
    if not ok or contact is None:
        return None
    return entity_id, values, contact


def _contact(number: int, row: dict[str, Any], report: ImportReport) -> dict[str, str] | None:
    """The row's contact columns, the phone in its stored form; None when the phone is wrong."""
    contact = {c: str(row[c]).strip() for c in CONTACT_COLUMNS if row.get(c) not in (None, "")}
    if not contact.get("phone"):
        return contact
    try:
        contact["phone"] = normalize_phone(contact["phone"])
    except InvalidPhone as exc:
        report.errors.append(RowError(number, "phone", contact["phone"][:100], str(exc)))
        return None
    return contact


def _store(
    kind: str,
    entity_id: str,
    values: dict[str, Any],
    contact: dict[str, str],
    as_of: date,
    source: str,
) -> None:
    profile, _ = Profile.objects.get_or_create(kind=kind, entity_id=entity_id)
    latest = dict(
        profile.facts.values("field").annotate(last=Max("as_of")).values_list("field", "last")
    )
    ProfileFact.objects.bulk_create(
        ProfileFact(profile=profile, field=name, value=value, as_of=as_of, source=source)
        for name, value in values.items()
    )
    for name, value in values.items():
        if latest.get(name) is None or latest[name] <= as_of:
            profile.values[name] = value
    for column, value in contact.items():
        setattr(profile, column, value)
    profile.save()


def values_as_of(profile: Profile, day: date) -> dict[str, Any]:
    """The profile as it stood on ``day``: for each field, the latest fact not after it."""
    found: dict[str, Any] = {}
    for fact in profile.facts.filter(as_of__lte=day).order_by("field", "-as_of", "-id"):
        found.setdefault(fact.field, fact.value)
    return found


def profile_rows(kind: str, as_of: date | None = None) -> Iterable[dict[str, Any]]:
    """Every profile of ``kind`` as a dict, ``entity_id`` being the profile's primary key.

    With ``as_of``, each field holds the latest fact dated on or before that day.
    """
    if as_of is None:
        for pk, values in Profile.objects.filter(kind=kind).values_list("pk", "values").iterator():
            yield {**values, "entity_id": pk}
        return
    rows: dict[int, dict[str, Any]] = {
        pk: {"entity_id": pk}
        for pk in Profile.objects.filter(kind=kind).values_list("pk", flat=True)
    }
    facts = (
        ProfileFact.objects.filter(profile__kind=kind, as_of__lte=as_of)
        .order_by("profile_id", "field", "-as_of", "-id")
        .values_list("profile_id", "field", "value")
    )
    for profile_id, name, value in facts.iterator():
        rows[profile_id].setdefault(name, value)
    yield from rows.values()
