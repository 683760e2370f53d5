"""Load base catalog items from data/catalog/items/*.yaml and their city-list entries."""

from pathlib import Path
from typing import Any

from django.db import transaction

from govsvc.catalog.models import (
    HANDLING_FORMS,
    RESULT_TYPES,
    SERVICE_OBJECTS,
    CaseKind,
    ItemLevel,
    ItemType,
    MaterialForm,
    MaterialSource,
    ServiceItem,
    Status,
)
from govsvc.catalog.services import implementation_code, save_item
from govsvc.core.datafiles import DataFileError, line_of, read_yaml, require
from govsvc.directory.loading import DepartmentResolver
from govsvc.directory.models import Department, Region

TYPE_BY_NAME = {label: value for value, label in ItemType.choices}
DEFAULT_HOURS = "工作日 上午9:00-12:00，下午13:30-17:00（法定节假日除外）"


def _materials(entry: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    result = []
    for raw in entry.get("materials") or []:
        if isinstance(raw, str):
            raw = {"name": raw}
        line = line_of(raw) or line_of(entry)
        name = raw.get("name")
        if not name:
            raise DataFileError(path, line, "材料缺少 name")
        form = raw.get("form", MaterialForm.EITHER)
        source = raw.get("source", MaterialSource.APPLICANT)
        if form not in MaterialForm.values:
            raise DataFileError(path, line, f"材料 {name} 的 form 无效: {form}")
        if source not in MaterialSource.values:
            raise DataFileError(path, line, f"材料 {name} 的 source 无效: {source}")
        result.append(
            {
                "name": str(name).strip(),
                "required": bool(raw.get("required", True)),
                "form": form,
                "source": source,
                "copies": int(raw.get("copies", 1)),
                "promise_allowed": bool(raw.get("promise_allowed", False)),
                "may_follow": bool(raw.get("may_follow", False)),
            }
        )
    return result


def _item_values(entry: dict[str, Any], path: Path, dept: Department) -> dict[str, Any]:
    line = line_of(entry)
    type_name = require(entry, "item_type", path, str)
    item_type = TYPE_BY_NAME.get(type_name)
    if item_type is None:
        raise DataFileError(path, line, f"未知事项类型 {type_name}")
    level = entry.get("level", ItemLevel.CITY)
    if level not in ItemLevel.values:
        raise DataFileError(path, line, f"未知层级 {level}")
    objects = entry.get("objects") or ["自然人"]
    unknown = [o for o in objects if o not in SERVICE_OBJECTS]
    if unknown:
        raise DataFileError(path, line, f"未知服务对象 {unknown}")
    forms = entry.get("forms") or ["window", "web", "mobile"]
    if any(f not in HANDLING_FORMS for f in forms):
        raise DataFileError(path, line, f"未知办理形式 {forms}")
    result = entry.get("result") or {}
    if result.get("type") and result["type"] not in RESULT_TYPES:
        raise DataFileError(path, line, f"未知结果类型 {result['type']}")
    case_kind = entry.get("case_kind", CaseKind.PROMISE)
    if case_kind not in CaseKind.values:
        raise DataFileError(path, line, f"未知办件类型 {case_kind}")
    return {
        "name": require(entry, "name", path, str).strip(),
        "item_type": item_type,
        "level": level,
        "objects_served": list(objects),
        "legal_basis": str(entry.get("legal_basis", "") or ""),
        "conditions": str(entry.get("conditions", "") or ""),
        "steps": [str(s) for s in entry.get("steps") or ["申请", "受理", "审查", "决定", "送达"]],
        "statutory_days": entry.get("statutory_days"),
        "promised_days": entry.get("promised_days"),
        "fee": str(entry.get("fee", "不收费") or "不收费"),
        "forms": list(forms),
        "online_depth": int(entry.get("online_depth", 3)),
        "visits": int(entry.get("visits", 1)),
        "case_kind": case_kind,
        "place": str(entry.get("place") or f"{dept.region.name}政务服务中心"),
        "hours": str(entry.get("hours") or DEFAULT_HOURS),
        "phone": str(entry.get("phone") or dept.phone or "12345"),
        "result_name": str(result.get("name", "") or ""),
        "result_type": str(result.get("type", "") or ""),
        "keywords": [str(k) for k in entry.get("keywords") or []],
    }


def _apply(item: ServiceItem, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(item, key, value)


@transaction.atomic
def load_item_file(path: Path, resolver: DepartmentResolver, city: Region) -> dict[str, int]:
    counts = {"items": 0, "new_versions": 0}
    entries = read_yaml(path) or []
    if not isinstance(entries, list):
        raise DataFileError(path, 1, "文件应是事项列表")
    for entry in entries:
        line = line_of(entry)
        code = str(require(entry, "code", path, (str, int)))
        if len(code) != 12:
            raise DataFileError(path, line, f"基本编码应为12位: {code}")
        dept = resolver.resolve(require(entry, "department", path, str), path, line)
        values = _item_values(entry, path, dept)
        if code[2:4] != values["item_type"] and not (
            code[2:4] == "21" and values["item_type"] == ItemType.PUBLIC_SERVICE
        ):
            raise DataFileError(path, line, f"基本编码 {code} 的类型位与事项类型不符")
        materials = _materials(entry, path)

        base = ServiceItem.objects.filter(basic_code=code, base__isnull=True).first()
        if base is None:
            base = ServiceItem(basic_code=code, region=city, department=dept)
        _apply(base, {**values, "department": dept, "status": Status.PUBLISHED})
        counts["new_versions"] += save_item(base, materials, note=f"载入 {path.name}")

        impl_code = implementation_code(dept.code, values["level"], code)
        impl = ServiceItem.objects.filter(implementation_code=impl_code).first()
        if impl is None:
            impl = ServiceItem(implementation_code=impl_code, basic_code=code, base=base)
        _apply(
            impl,
            {**values, "department": dept, "region": dept.region, "status": Status.PUBLISHED},
        )
        counts["new_versions"] += save_item(impl, materials, note=f"载入 {path.name}")
        counts["items"] += 1
    return counts
