"""State changes of the catalog: saving items as versions, publishing, 四级同要素 checks."""

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from govsvc.catalog.models import LEVEL_DIGIT, ItemMaterial, ItemVersion, ServiceItem, Status
from govsvc.core import audit
from govsvc.core.caching import cache_is_shared

# Elements that must be identical at every level (四级同要素). Place, hours, phone,
# implementing department and region are local by nature and are not compared.
STANDARD_FIELDS = (
    "name",
    "item_type",
    "objects_served",
    "legal_basis",
    "conditions",
    "steps",
    "statutory_days",
    "promised_days",
    "fee",
    "forms",
    "online_depth",
    "visits",
    "case_kind",
    "result_name",
    "result_type",
)
LOCAL_FIELDS = ("place", "hours", "phone")
MATERIAL_FIELDS = ("name", "required", "form", "source", "copies", "promise_allowed", "may_follow")

CATALOG_CACHE_KEY = "catalog:generation"


def implementation_code(dept_code: str, level: str, basic_code: str) -> str:
    """GB/T 39554: body's credit code (18) + level digit (1) + basic code (12)."""
    return f"{dept_code}{LEVEL_DIGIT[level]}{basic_code}"


def material_elements(materials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: m.get(k) for k in MATERIAL_FIELDS} for m in materials]


def item_elements(
    item: ServiceItem, materials: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The item's elements as plain data: standard ones, local ones and its materials."""
    if materials is None:
        materials = list(item.materials.values(*MATERIAL_FIELDS))
    data: dict[str, Any] = {f: getattr(item, f) for f in STANDARD_FIELDS + LOCAL_FIELDS}
    data["materials"] = material_elements(materials)
    data["department"] = item.department.code
    data["region"] = item.region.code
    data["level"] = item.level
    data["basic_code"] = item.basic_code
    data["keywords"] = list(item.keywords)
    return data


def standard_part(elements: dict[str, Any]) -> dict[str, Any]:
    part = {f: elements.get(f) for f in STANDARD_FIELDS}
    part["materials"] = elements.get("materials", [])
    return part


@dataclass(frozen=True)
class Deviation:
    item: ServiceItem
    element: str
    base_value: Any
    value: Any

    def __str__(self) -> str:
        return (
            f"{self.item.code} {self.item.name}（{self.item.get_level_display()}）"
            f" 要素「{self.element}」与基本目录不一致: {self.value!r} ≠ {self.base_value!r}"
        )


def deviations(item: ServiceItem) -> list[Deviation]:
    """How an implementation item differs from its base item in the standard elements."""
    if item.base is None:
        return []
    mine = standard_part(item_elements(item))
    base = standard_part(item_elements(item.base))
    return [
        Deviation(item, key, base[key], mine[key]) for key in base if mine.get(key) != base[key]
    ]


# With a cache shared between processes, each process reads the generation at most once a
# second (a request asks for it several times); a change reaches every process within it.
GENERATION_RECHECK_SECONDS = 1.0
_last_read: dict[str, float] = {}


def bump_catalog_generation() -> None:
    """Tell the search index and other caches that the catalog changed."""
    _last_read.clear()
    try:
        cache.incr(CATALOG_CACHE_KEY)
    except ValueError:
        cache.set(CATALOG_CACHE_KEY, 1, None)


def catalog_generation() -> int:
    shared = cache_is_shared()
    now = time.monotonic()
    if shared and now - _last_read.get("at", -GENERATION_RECHECK_SECONDS) < (
        GENERATION_RECHECK_SECONDS
    ):
        return int(_last_read["value"])
    value = int(cache.get_or_set(CATALOG_CACHE_KEY, 1, None) or 1)
    if shared:
        _last_read.update(value=value, at=now)
    return value


def _actor_name(actor: AbstractBaseUser | AnonymousUser | None) -> str:
    if actor is None or not actor.is_authenticated:
        return "system"
    return actor.get_username()


@transaction.atomic
def save_item(
    item: ServiceItem,
    materials: list[dict[str, Any]] | None = None,
    *,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    effective_from: dt.date | None = None,
    note: str = "",
) -> bool:
    """Save an item (and replace its materials) as a new version if anything changed.

    Returns whether a new version was written. Saving the same elements twice writes nothing.
    """
    if materials is not None:
        materials = [dict(m) for m in materials]
    latest = item.versions.order_by("-version").first() if item.pk else None
    if item.pk is None:
        item.save()
    new_elements = item_elements(item, materials)
    if latest is not None and latest.elements == new_elements:
        return False

    item.version = (latest.version + 1) if latest else 1
    item.effective_from = effective_from or timezone.localdate()
    item.save()
    if materials is not None:
        item.materials.all().delete()
        ItemMaterial.objects.bulk_create(
            ItemMaterial(item=item, order=i, **{k: m[k] for k in MATERIAL_FIELDS if k in m})
            for i, m in enumerate(materials)
        )
    ItemVersion.objects.create(
        item=item,
        version=item.version,
        effective_from=item.effective_from,
        elements=new_elements,
        created_by=_actor_name(actor),
        note=note,
    )
    audit.record(
        "item_version_saved",
        item,
        actor=actor,
        summary=f"{item.name} v{item.version}",
        data={"version": item.version, "note": note},
    )
    transaction.on_commit(bump_catalog_generation)
    return True


class PublishRefused(Exception):
    """Publishing was refused; the message says why, in Chinese."""


@transaction.atomic
def publish_item(item: ServiceItem, *, actor: AbstractBaseUser | AnonymousUser | None) -> None:
    found = deviations(item)
    if found:
        raise PublishRefused("不符合四级同要素，不能发布：" + "；".join(str(d) for d in found[:5]))
    if item.base is not None and item.base.status != Status.PUBLISHED:
        raise PublishRefused("基本目录事项尚未发布，实施清单不能先于基本目录发布")
    item.status = Status.PUBLISHED
    item.save(update_fields=["status", "updated_at"])
    audit.record("item_published", item, actor=actor, summary=item.name)
    transaction.on_commit(bump_catalog_generation)
