"""Load regions, departments and halls from data/directory. Safe to run twice."""

from pathlib import Path
from typing import Any

from django.db import transaction
from stdnum.cn import uscc

from govsvc.core.datafiles import DataFileError, line_of, read_csv_rows, read_yaml, require
from govsvc.directory.models import (
    Department,
    HallWindow,
    Region,
    RegionLevel,
    ServiceHall,
    normalise_name,
)

REGION_COLUMNS = ("code", "name", "level", "parent_code", "kind")


def _region_rows_from_excel(path: Path) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True, data_only=True).active
    rows = list(sheet.iter_rows(values_only=True)) if sheet is not None else []
    if not rows:
        return []
    header = [str(h or "").strip() for h in rows[0]]
    return [
        (
            number,
            {h: str(v if v is not None else "").strip() for h, v in zip(header, row, strict=False)},
        )
        for number, row in enumerate(rows[1:], start=2)
    ]


@transaction.atomic
def load_regions(path: Path) -> dict[str, int]:
    """Create or update regions from a CSV or Excel file; parents must come first."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        rows = _region_rows_from_excel(path)
    else:
        rows = list(read_csv_rows(path))
    known = {r.code: r for r in Region.objects.all()}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for line, row in rows:
        missing = [c for c in ("code", "name", "level") if not row.get(c)]
        if missing:
            raise DataFileError(path, line, f"缺少列值: {', '.join(missing)}")
        code = row["code"]
        if len(code) != 12 or not code.isdigit():
            raise DataFileError(path, line, f"区划代码应为12位数字: {code}")
        if row["level"] not in RegionLevel.values:
            raise DataFileError(path, line, f"未知层级 {row['level']}")
        parent = None
        if row.get("parent_code"):
            parent = known.get(row["parent_code"])
            if parent is None:
                raise DataFileError(path, line, f"上级区划 {row['parent_code']} 不存在")
        values = {
            "name": row["name"],
            "level": row["level"],
            "kind": row.get("kind", ""),
            "parent": parent,
        }
        region = known.get(code)
        if region is None:
            known[code] = Region.objects.create(code=code, **values)
            counts["created"] += 1
        elif any(getattr(region, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(region, k, v)
            region.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts


def _upsert(model: Any, lookup: dict[str, Any], values: dict[str, Any]) -> tuple[Any, str]:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), "created"
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        return obj, "updated"
    return obj, "unchanged"


@transaction.atomic
def load_departments(path: Path) -> dict[str, int]:
    entries = read_yaml(path) or []
    regions = {r.code: r for r in Region.objects.all()}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    seen_names: dict[str, str] = {}
    for entry in entries:
        line = line_of(entry)
        code = require(entry, "code", path, str)
        if not uscc.is_valid(code):
            raise DataFileError(path, line, f"统一社会信用代码校验不通过: {code}")
        region_code = str(require(entry, "region", path, (str, int)))
        if region_code not in regions:
            raise DataFileError(path, line, f"区划 {region_code} 不存在")
        names = [entry.get("name", ""), entry.get("short_name", ""), *entry.get("aliases", [])]
        for name in {normalise_name(n) for n in names if n}:
            if seen_names.get(name, code) != code:
                raise DataFileError(
                    path, line, f"名称 {name} 同时属于 {seen_names[name]} 和 {code}"
                )
            seen_names[name] = code
        _, outcome = _upsert(
            Department,
            {"code": code},
            {
                "name": require(entry, "name", path, str),
                "short_name": entry.get("short_name") or entry["name"],
                "aliases": [normalise_name(a) for a in entry.get("aliases", [])],
                "level": require(entry, "level", path, str),
                "kind": entry.get("kind", "government"),
                "region": regions[region_code],
                "ministry_code": str(entry.get("ministry_code", "") or ""),
                "phone": str(entry.get("phone", "") or ""),
            },
        )
        counts[outcome] += 1
    return counts


class DepartmentResolver:
    """Find a department by any of its names, as source documents spell them."""

    def __init__(self) -> None:
        self._by_name: dict[str, Department] = {}
        for dept in Department.objects.all():
            for name in dept.all_names():
                self._by_name.setdefault(name, dept)

    def get(self, name: str) -> Department | None:
        key = normalise_name(name)
        found = self._by_name.get(key)
        if found is None and not key.startswith(("市", "武汉", "湖北", "中国", "国家", "区")):
            found = self._by_name.get("市" + key)
        return found

    def resolve(self, name: str, path: Path, line: int | None) -> Department:
        dept = self.get(name)
        if dept is None:
            raise DataFileError(
                path, line, f"未知部门 {name}（请在 data/directory/departments.yaml 中补充别名）"
            )
        return dept


@transaction.atomic
def load_halls(path: Path) -> dict[str, int]:
    entries = read_yaml(path) or []
    regions = {r.code: r for r in Region.objects.all()}
    resolver = DepartmentResolver()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for entry in entries:
        line = line_of(entry)
        region_code = str(require(entry, "region", path, (str, int)))
        if region_code not in regions:
            raise DataFileError(path, line, f"区划 {region_code} 不存在")
        hall, outcome = _upsert(
            ServiceHall,
            {"code": require(entry, "code", path, str)},
            {
                "name": require(entry, "name", path, str),
                "region": regions[region_code],
                "address": entry.get("address", ""),
                "hours": entry.get("hours", ""),
                "phone": str(entry.get("phone", "") or ""),
            },
        )
        counts[outcome] += 1
        for win in entry.get("windows", []):
            window, _ = _upsert(
                HallWindow,
                {"hall": hall, "number": str(require(win, "number", path, (str, int)))},
                {"name": require(win, "name", path, str), "kind": win.get("kind", "")},
            )
            depts = [resolver.resolve(n, path, line_of(win)) for n in win.get("departments", [])]
            window.departments.set(depts)
    return counts
