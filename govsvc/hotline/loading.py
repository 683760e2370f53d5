"""Load the hotline's dispatch catalogue (派单目录) from data/hotline/dispatch.yaml.

Rules missing from the database are added; a rule already there (same category and region)
is kept as it is, so re-running the loader never undoes what the hotline office changed in
the admin.
"""

from pathlib import Path

from django.db import transaction

from govsvc.core.datafiles import DataFileError, line_of, read_yaml, require
from govsvc.directory.loading import DepartmentResolver
from govsvc.directory.models import Region
from govsvc.hotline.models import Category, DispatchRule


@transaction.atomic
def load_dispatch_rules(path: Path, resolver: DepartmentResolver) -> dict[str, int]:
    entries = read_yaml(path) or []
    if not isinstance(entries, list):
        raise DataFileError(path, None, "派单目录应为列表，每条含 category 与 department")
    counts = {"created": 0, "kept": 0}
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        line = line_of(entry)
        code = require(entry, "category", path, str)
        category = Category.objects.filter(code=code).first()
        if category is None:
            known = "、".join(Category.objects.order_by("code").values_list("code", flat=True))
            raise DataFileError(path, line, f"未知诉求分类 {code}（可用：{known}）")
        region_code = str(entry.get("region") or "")
        region = None
        if region_code:
            region = Region.objects.filter(code=region_code).first()
            if region is None:
                raise DataFileError(path, line, f"未知区划代码 {region_code}")
        if (code, region_code) in seen:
            raise DataFileError(path, line, f"{code} 在{region_code or '全市'}重复出现")
        seen.add((code, region_code))
        department = resolver.resolve(require(entry, "department", path, str), path, line)
        _, created = DispatchRule.objects.get_or_create(
            category=category,
            region=region,
            defaults={"department": department, "note": str(entry.get("note") or "")},
        )
        counts["created" if created else "kept"] += 1
    return counts
