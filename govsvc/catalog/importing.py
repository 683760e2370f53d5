"""Import and export the catalog as provincial platforms exchange it (Excel or CSV).

Columns are matched by their Chinese header names; ``HEADERS`` lists every accepted name.
Unknown columns are reported and skipped. A bad row is reported by row and column and the
other rows still land. Importing the same file twice changes nothing the second time.
"""

import csv
import io
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction
from stdnum.cn import uscc

from govsvc.catalog.models import (
    LEVEL_DIGIT,
    SERVICE_OBJECTS,
    ItemLevel,
    ItemType,
    ServiceItem,
    Status,
)
from govsvc.catalog.services import STANDARD_FIELDS, item_elements, save_item
from govsvc.directory.loading import DepartmentResolver
from govsvc.directory.models import Department, DepartmentKind, DepartmentLevel, Region

# field -> accepted header names (after removing spaces, "*" and bracketed notes).
HEADERS: dict[str, list[str]] = {
    "name": ["事项名称", "实施清单名称", "事项名", "实施事项名称", "子项名称"],
    "basic_code": ["基本编码", "事项基本编码", "基本目录编码"],
    "implementation_code": [
        "实施编码",
        "事项实施编码",
        "实施清单编码",
        "业务办理项编码",
        "事项编码",
    ],
    "item_type": ["事项类型", "事项类别", "权力类型", "职权类型"],
    "department": ["实施主体", "实施主体名称", "实施机构", "办理部门", "实施部门"],
    "department_code": ["实施主体编码", "实施主体统一社会信用代码", "实施机构编码"],
    "objects": ["服务对象", "服务对象类型", "办理对象"],
    "conditions": ["受理条件", "申请条件", "办理条件"],
    "materials": ["申请材料", "申请材料目录", "材料清单", "所需材料"],
    "steps": ["办理流程", "办理程序", "流程"],
    "statutory_days": ["法定办结时限", "法定时限", "法定期限"],
    "promised_days": ["承诺办结时限", "承诺时限", "承诺期限"],
    "place": ["办理地点", "受理地点", "办公地点"],
    "phone": ["咨询电话", "咨询方式", "联系电话"],
    "fee": ["是否收费", "收费情况", "收费标准"],
    "legal_basis": ["设定依据", "法律依据", "实施依据"],
    "level": ["行使层级", "层级", "实施层级"],
    "hours": ["办理时间", "办公时间"],
    "visits": ["到办事现场次数", "到现场次数", "跑动次数"],
    "online_depth": ["网办深度", "网上办理深度"],
    "result_name": ["审批结果名称", "办理结果名称", "结果名称", "审批结果"],
}
REQUIRED_FIELDS = ("name", "item_type", "department")
_HEADER_NOISE = re.compile(r"[\s*＊:：]|（[^）]*）|\([^)]*\)")
_LIST_SPLIT = re.compile(r"[\n\r；;]+")
_NUMBERING = re.compile(r"^\s*[（(]?\d{1,2}[)）\.、．]\s*")
_OBJECT_SPLIT = re.compile(r"[,，、;；/\s]+")

TYPE_NAMES = {label: value for value, label in ItemType.choices}
TYPE_NAMES.update({"其他职权": "10", "其他权力": "10", "公共服务事项": "20", "行政备案": "10"})
LEVEL_NAMES = {
    "市级": "city", "市": "city", "设区的市级": "city", "3": "city",
    "县级": "district", "区级": "district", "县区级": "district", "县": "district", "4": "district",
    "乡级": "street", "街道": "street", "乡镇": "street", "乡镇街道": "street", "5": "street",
    "村级": "community", "社区": "community", "村社区": "community", "6": "community",
}  # fmt: skip
LEVEL_BY_DIGIT = {digit: level for level, digit in LEVEL_DIGIT.items()}


def normalise_header(header: Any) -> str:
    return _HEADER_NOISE.sub("", str(header or ""))


logger = logging.getLogger(__name__)
HEADER_LOOKUP = {normalise_header(n): f for f, names in HEADERS.items() for n in names}


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行「{self.column}」列: {self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)

    @property
    def landed(self) -> int:
        return self.created + self.updated + self.unchanged


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong format, no header row)."""


def _read_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ImportFileError(f"无法读取 Excel 文件: {exc}") from exc
        # The first sheet whose opening rows hold a header row is the catalog.
        for sheet in book.worksheets:
            head = [list(r) for r in sheet.iter_rows(max_row=20, values_only=True)]
            if any(_looks_like_header(r) for r in head):
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                    yield number, list(row)
                return
        raise ImportFileError("找不到表头行：各工作表前 20 行中都没有「事项名称」等列名")
    if suffix not in {".csv", ".txt"}:
        raise ImportFileError(f"不支持的文件类型 {suffix}，请使用 .xlsx 或 .csv")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError("无法识别 CSV 文件编码，请另存为 UTF-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    for number, row in enumerate(reader, start=1):
        yield number, row


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_days(text: str) -> int | None:
    """ "20个工作日" -> 20, "即办" -> 0; None when there is no limit in the text."""
    text = text.strip()
    if not text or text in {"无", "-", "--", "/", "无时限"}:
        return None
    if text.startswith("即办") or text == "当场办结":
        return 0
    match = re.search(r"(\d+)", text)
    return int(match.group(1)) if match else None


def split_list(text: str) -> list[str]:
    parts = [_NUMBERING.sub("", p).strip(" 　,，。") for p in _LIST_SPLIT.split(text)]
    return [p for p in parts if p]


_CODE_CHARS = re.compile(r"^[0-9A-Z]+$")


def parse_codes(impl_raw: str, basic_raw: str) -> tuple[str, str, str, list[tuple[str, str]]]:
    """(implementation code, basic code, local code, problems by column).

    Accepts the standard 31/33-character implementation code, a 12-character basic code in
    the implementation column, and dashed provincial codes such as
    ``511Z07001006-511602000000-000-<credit code>-1-00`` (kept as the local code, with the
    basic code taken from the first part).
    """
    impl = re.sub(r"\s", "", impl_raw).upper()
    basic = re.sub(r"\s", "", basic_raw).upper()
    local = ""
    problems: list[tuple[str, str]] = []
    if "-" in impl:
        local, parts = impl, impl.split("-")
        impl = ""
        if not basic and len(parts[0]) == 12 and _CODE_CHARS.match(parts[0]):
            basic = parts[0]
    elif len(impl) == 12 and not basic:
        basic, impl = impl, ""
    elif impl and (len(impl) not in (31, 33) or not _CODE_CHARS.match(impl)):
        problems.append(("implementation_code", f"实施编码应为31位或33位，实际 {len(impl)} 位"))
        impl = ""
    if not basic and impl:
        basic = impl[19:31]
    if not basic:
        problems.append(("basic_code", "缺少基本编码（也无法从实施编码推出）"))
    elif len(basic) != 12 or not _CODE_CHARS.match(basic):
        problems.append(("basic_code", f"基本编码应为12位字母或数字，实际「{basic}」"))
    return impl, basic, local, problems


def _credit_in(local_code: str) -> str:
    return next((p for p in local_code.split("-") if len(p) == 18 and uscc.is_valid(p)), "")


def parse_type(text: str, uses_21: bool) -> str | None:
    text = text.strip()
    if text in TYPE_NAMES:
        return TYPE_NAMES[text]
    code = text.zfill(2) if text.isdigit() else ""
    if code == "21":
        return ItemType.PUBLIC_SERVICE
    if code == "20":
        # Exports that use 21 for 公共服务 use 20 for 其他行政权力.
        return ItemType.OTHER_POWER if uses_21 else ItemType.PUBLIC_SERVICE
    if code in ItemType.values:
        return code
    return None


def _looks_like_header(row: list[Any]) -> bool:
    fields = {HEADER_LOOKUP.get(normalise_header(c)) for c in row}
    return "name" in fields and len(fields - {None}) >= 2


def _header_index(
    rows: Iterable[tuple[int, list[Any]]],
) -> tuple[int, list[str], list[tuple[int, list[Any]]]]:
    """Find the header row (exports often open with title rows) and return the rest."""
    buffered: list[tuple[int, list[Any]]] = []
    iterator = iter(rows)
    for number, row in iterator:
        if _looks_like_header(row):
            return number, [normalise_header(c) for c in row], list(iterator)
        buffered.append((number, row))
        if len(buffered) > 20:
            break
    raise ImportFileError("找不到表头行：前 20 行中没有「事项名称」等列名")


class CatalogImporter:
    def __init__(self, *, actor: Any = None) -> None:
        self.actor = actor
        self.resolver = DepartmentResolver()
        self.city = Region.objects.get(level="city", parent__isnull=True)

    def run(self, path: Path) -> ImportReport:
        report = ImportReport()
        _, header, rows = _header_index(_read_rows(path))
        columns: dict[str, int] = {}
        for index, name in enumerate(header):
            target = HEADER_LOOKUP.get(name)
            if target is None:
                if name:
                    report.unknown_columns.append(name)
            elif target not in columns:
                columns[target] = index
        missing = [f for f in REQUIRED_FIELDS if f not in columns]
        if missing:
            names = "、".join(HEADERS[f][0] for f in missing)
            raise ImportFileError(f"缺少必需的列: {names}")
        labels = {f: header[i] for f, i in columns.items()}
        type_index = columns["item_type"]
        uses_21 = any(_cell(r[type_index] if type_index < len(r) else "") == "21" for _, r in rows)

        for number, row in rows:
            values = {f: _cell(row[i]) if i < len(row) else "" for f, i in columns.items()}
            if not any(values.values()):
                continue
            problems: list[RowProblem] = []
            try:
                with transaction.atomic():
                    outcome = self._import_row(number, values, labels, uses_21, problems, report)
                    if problems:
                        raise _RowRejected
            except _RowRejected:
                report.errors.extend(problems)
                continue
            except (DatabaseError, ValueError) as exc:
                # Whatever else a real export holds, one row must not stop the others.
                logger.warning(
                    "catalog_import_row_failed row=%s error=%s", number, type(exc).__name__
                )
                report.errors.append(RowProblem(number, "整行", f"无法导入：{str(exc)[:200]}"))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def _department(self, name: str, code: str, impl_code: str, report: ImportReport) -> Department:
        dept = self.resolver.get(name) if name else None
        if dept is None and code:
            dept = Department.objects.filter(code=code).first()
        if dept is not None:
            return dept
        credit = code if uscc.is_valid(code) else impl_code[:18] if len(impl_code) >= 31 else ""
        if not uscc.is_valid(credit):
            credit = _placeholder_code(name)
        dept, created = Department.objects.get_or_create(
            code=credit,
            defaults={
                "name": name[:128],
                "short_name": name[:64],
                "level": DepartmentLevel.CITY,
                "kind": DepartmentKind.OTHER,
                "region": self.city,
            },
        )
        if created:
            report.new_departments.append(name)
            self.resolver = DepartmentResolver()
        return dept

    def _import_row(
        self,
        number: int,
        v: dict[str, str],
        labels: dict[str, str],
        uses_21: bool,
        problems: list[RowProblem],
        report: ImportReport,
    ) -> str:
        def problem(f: str, message: str) -> None:
            problems.append(RowProblem(number, labels.get(f, HEADERS[f][0]), message))

        if not v.get("name"):
            problem("name", "事项名称不能为空")
        item_type = parse_type(v.get("item_type", ""), uses_21)
        if item_type is None:
            problem("item_type", f"无法识别的事项类型「{v.get('item_type', '')}」")
        impl_code, basic, local_code, code_problems = parse_codes(
            v.get("implementation_code", ""), v.get("basic_code", "")
        )
        for column, message in code_problems:
            problem(column, message)
        if not v.get("department"):
            problem("department", "实施主体不能为空")
        if problems:
            raise _RowRejected

        dept = self._department(
            v["department"],
            v.get("department_code", "") or _credit_in(local_code),
            impl_code,
            report,
        )
        level = LEVEL_NAMES.get(v.get("level", "")) or (
            LEVEL_BY_DIGIT.get(impl_code[18]) if impl_code else None
        )
        level = level or ItemLevel.CITY
        if not impl_code:
            impl_code = f"{dept.code}{LEVEL_DIGIT[level]}{basic}"
        item_local_code = local_code[:64]

        objects = [o for o in _OBJECT_SPLIT.split(v.get("objects", "")) if o]
        unknown = [o for o in objects if o not in SERVICE_OBJECTS]
        if unknown:
            report.warnings.append(
                RowProblem(
                    number, labels.get("objects", "服务对象"), f"保留未识别的服务对象 {unknown}"
                )
            )
        limits = {}
        for f in ("statutory_days", "promised_days"):
            text = v.get(f, "")
            limits[f] = parse_days(text)
            if text and limits[f] is None and text not in {"无", "-", "--", "/", "无时限"}:
                report.warnings.append(
                    RowProblem(number, labels[f], f"无法识别时限「{text}」，已留空")
                )

        materials = [{"name": m[:200]} for m in split_list(v.get("materials", ""))]
        base = ServiceItem.objects.filter(basic_code=basic, base__isnull=True).first()

        item = ServiceItem.objects.filter(implementation_code=impl_code).first()
        outcome = "updated"
        if item is None:
            item = ServiceItem(implementation_code=impl_code, basic_code=basic, base=base)
            item.status = Status.PUBLISHED
            outcome = "created"
        before = item_elements(item) if item.pk else None
        fee_text = v.get("fee", "")
        if fee_text in {"", "否", "不收费", "0", "无"}:
            fee = "不收费"
        elif fee_text == "是":
            # A yes/no column says less than a stored fee description: keep the description.
            fee = item.fee if item.pk and item.fee not in ("", "不收费") else "收费"
        else:
            fee = fee_text
        item.local_code = item_local_code
        item.name = v["name"][:200]
        item.item_type = str(item_type)
        item.level = level
        item.department = dept
        item.region = dept.region
        item.objects_served = objects
        item.conditions = v.get("conditions", "")
        item.legal_basis = v.get("legal_basis", item.legal_basis if item.pk else "")
        item.steps = split_list(v.get("steps", ""))
        item.statutory_days = limits["statutory_days"]
        item.promised_days = limits["promised_days"]
        item.fee = fee[:255]
        item.place = v.get("place", "")[:255]
        item.phone = v.get("phone", "")[:64]
        item.hours = v.get("hours", item.hours if item.pk else "")[:255]
        if v.get("visits", "").isdigit():
            item.visits = int(v["visits"])
        if v.get("online_depth", "").isdigit():
            item.online_depth = int(v["online_depth"])
        item.result_name = v.get("result_name", item.result_name if item.pk else "")[:128]
        existing_names = list(item.materials.values_list("name", flat=True)) if item.pk else []
        if item.pk and (
            "materials" not in labels or [m["name"] for m in materials] == existing_names
        ):
            # Same documents as before: keep what the file cannot say (source, necessity ...).
            materials_arg = None
        else:
            materials_arg = [
                {**m, "required": True, "form": "paper_or_electronic", "source": "applicant",
                 "copies": 1, "promise_allowed": False, "may_follow": False}
                for m in materials
            ]  # fmt: skip
        if item.pk and before == item_elements(item, materials_arg):
            return "unchanged"
        if item.base_id is None:
            item.base = self._base_for(item, materials_arg or [])
        save_item(item, materials_arg, actor=self.actor, note="目录导入")
        return outcome

    def _base_for(self, item: ServiceItem, materials: list[dict[str, Any]]) -> ServiceItem:
        """A base catalog entry for an implementation whose basic code the platform lacks,
        with the same standard elements, so the item is searchable and checked like others."""
        base = ServiceItem.objects.filter(basic_code=item.basic_code, base__isnull=True).first()
        if base is not None:
            return base
        base = ServiceItem(basic_code=item.basic_code, region=self.city, status=Status.PUBLISHED)
        for name in (*STANDARD_FIELDS, "level", "department", "place", "hours", "phone"):
            setattr(base, name, getattr(item, name))
        save_item(base, materials, actor=self.actor, note="目录导入（补建基本目录）")
        return base


class _RowRejected(Exception):
    pass


def _placeholder_code(name: str) -> str:
    """A stable, valid credit code for a body the file names without one (marked in admin)."""
    import hashlib

    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "99420100"
    for _ in range(9):
        digest, rem = divmod(digest, 31)
        body += alphabet[rem]
    return body + uscc.calc_check_digit(body)


EXPORT_LEVEL_NAMES = {"city": "市级", "district": "县级", "street": "乡级", "community": "村级"}
EXPORT_COLUMNS = [
    ("事项名称", lambda i: i.name),
    ("基本编码", lambda i: i.basic_code),
    ("实施编码", lambda i: i.implementation_code or ""),
    ("事项类型", lambda i: i.get_item_type_display()),
    ("实施主体", lambda i: i.department.name),
    ("实施主体编码", lambda i: i.department.code),
    ("行使层级", lambda i: EXPORT_LEVEL_NAMES[i.level]),
    ("服务对象", lambda i: "、".join(i.objects_served)),
    ("受理条件", lambda i: i.conditions),
    ("申请材料", lambda i: "\n".join(m.name for m in i.materials.all())),
    ("办理流程", lambda i: "\n".join(i.steps)),
    ("法定办结时限", lambda i: "" if i.statutory_days is None else f"{i.statutory_days}个工作日"),
    ("承诺办结时限", lambda i: "" if i.promised_days is None else f"{i.promised_days}个工作日"),
    ("办理地点", lambda i: i.place),
    ("咨询电话", lambda i: i.phone),
    ("是否收费", lambda i: "否" if i.fee in ("", "不收费") else "是"),
    ("设定依据", lambda i: i.legal_basis),
    ("办理时间", lambda i: i.hours),
]  # fmt: skip


def export_rows(items: Iterable[ServiceItem]) -> Iterator[list[str]]:
    yield [name for name, _ in EXPORT_COLUMNS]
    for item in items:
        yield [str(getter(item)) for _, getter in EXPORT_COLUMNS]


def export_catalog(path: Path, items: Iterable[ServiceItem]) -> int:
    rows = list(export_rows(items))
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "实施清单"
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return len(rows) - 1
