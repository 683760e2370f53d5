"""Load the key bundles (一件事) from data/bundles/NN.yaml. Safe to run twice."""

from pathlib import Path
from typing import Any

from django.db import transaction

from govsvc.bundles.models import Audience, Bundle, BundleItem
from govsvc.catalog.models import ServiceItem
from govsvc.catalog.services import bump_catalog_generation
from govsvc.core import audit
from govsvc.core.datafiles import DataFileError, line_of, read_yaml, require
from govsvc.directory.loading import DepartmentResolver

LEVELS = {"国家", "省级", "市级"}
BATCHES = {"2024", "2025-1"}


def _item_lines(data: dict[str, Any], path: Path) -> list[tuple[str, list[str], int | None]]:
    items = data.get("items") or []
    if not items:
        raise DataFileError(path, line_of(data), "一件事至少要有一个子事项")
    result = []
    for entry in items:
        line = line_of(entry) if isinstance(entry, dict) else line_of(data)
        if not isinstance(entry, dict) or not entry.get("code"):
            raise DataFileError(path, line, "子事项缺少 code")
        result.append((str(entry["code"]), [str(c) for c in entry.get("depends_on") or []], line))
    return result


@transaction.atomic
def load_bundle_file(path: Path, resolver: DepartmentResolver) -> bool:
    """Create or update one bundle; returns whether anything changed."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise DataFileError(path, 1, "文件应是一个一件事的字段表")
    line = line_of(data)
    list_no = require(data, "list_no", path, int)
    level = require(data, "deployment_level", path, str)
    if level not in LEVELS:
        raise DataFileError(path, line, f"部署层级应为 {sorted(LEVELS)} 之一: {level}")
    batch = str(require(data, "batch", path, (str, int)))
    if batch not in BATCHES:
        raise DataFileError(path, line, f"批次应为 {sorted(BATCHES)} 之一: {batch}")
    audience = data.get("audience", Audience.PERSON)
    if audience not in Audience.values:
        raise DataFileError(path, line, f"audience 应为 person 或 enterprise: {audience}")
    leads = [resolver.resolve(n, path, line) for n in require(data, "lead_departments", path, list)]
    coops = [resolver.resolve(n, path, line) for n in data.get("departments") or []]
    coops = [d for d in dict.fromkeys(coops) if d not in leads]

    item_lines = _item_lines(data, path)
    items: dict[str, ServiceItem] = {}
    for code, _, item_line in item_lines:
        found = ServiceItem.objects.filter(basic_code=code, base__isnull=True).first()
        if found is None:
            raise DataFileError(path, item_line, f"事项 {code} 不在事项清单中")
        if code in items:
            raise DataFileError(path, item_line, f"事项 {code} 重复出现")
        items[code] = found
    for code, deps, item_line in item_lines:
        for dep in deps:
            if dep not in items or dep == code:
                raise DataFileError(path, item_line, f"前置事项 {dep} 不是本一件事的其他子事项")

    values = {
        "name": require(data, "name", path, str),
        "full_name": data.get("full_name") or data["name"],
        "batch": batch,
        "deployment_level": level,
        "deployment_note": data.get("deployment_note") or "",
        "audience": audience,
        "life_event": data.get("life_event") or "",
        "themes": [str(t) for t in data.get("themes") or []],
        "aliases": [str(a) for a in data.get("aliases") or []],
        "seed_items_text": require(data, "seed_items_text", path, str),
        "declared_item_count": require(data, "declared_item_count", path, int),
        "promised_days": require(data, "promised_days", path, int),
        "visits": int(data.get("visits", 0)),
        "source_file": f"data/bundles/{path.name}",
    }
    bundle = Bundle.objects.filter(list_no=list_no).first()
    before = _snapshot(bundle) if bundle else None
    if bundle is None:
        bundle = Bundle.objects.create(list_no=list_no, **values)
    else:
        for key, value in values.items():
            setattr(bundle, key, value)
        bundle.save()
    bundle.lead_departments.set(leads)
    bundle.departments.set(coops)

    links: dict[str, BundleItem] = {}
    keep = []
    for order, (code, _, _) in enumerate(item_lines, start=1):
        link, _ = BundleItem.objects.update_or_create(
            bundle=bundle, item=items[code], defaults={"order": order}
        )
        links[code] = link
        keep.append(link.pk)
    BundleItem.objects.filter(bundle=bundle).exclude(pk__in=keep).delete()
    for code, deps, _ in item_lines:
        links[code].depends_on.set([links[d] for d in deps])

    after = _snapshot(bundle)
    if after != before:
        audit.record("bundle_loaded", bundle, summary=bundle.name, data={"file": path.name})
        transaction.on_commit(bump_catalog_generation)
        return True
    return False


def _snapshot(bundle: Bundle) -> dict[str, Any]:
    fields = {f.name: getattr(bundle, f.name) for f in Bundle._meta.concrete_fields}
    fields["leads"] = sorted(bundle.lead_departments.values_list("code", flat=True))
    fields["coops"] = sorted(bundle.departments.values_list("code", flat=True))
    fields["items"] = [
        (link.item.basic_code, link.order, sorted(d.item.basic_code for d in link.depends_on.all()))
        for link in bundle.bundle_items.select_related("item").order_by("order")
    ]
    return fields
