"""What a bundle saves against doing its items one by one (减环节/减材料/减时间/减跑动)."""

from dataclasses import dataclass, field

from govsvc.bundles.models import Bundle, BundleItem
from govsvc.catalog.models import MaterialSource

# One guide, one form, one acceptance, parallel handling, results delivered together.
BUNDLE_STEPS = ["一表申请", "一窗受理", "并联办理", "统一出件"]
# Each item's own application form is replaced by the bundle's single form (一表申请).
FORM_SUFFIXES = ("申请表", "登记表", "申请书", "申报表", "信息表", "审批表")


@dataclass
class MergedMaterial:
    name: str
    required: bool
    source: str
    items: list[str] = field(default_factory=list)
    produced_by: str | None = None
    in_bundle_form: bool = False

    @property
    def asked(self) -> bool:
        """Whether the applicant still has to hand it in."""
        return (
            self.produced_by is None
            and not self.in_bundle_form
            and self.source == MaterialSource.APPLICANT
        )

    @property
    def source_label(self) -> str:
        if self.produced_by:
            return f"由「{self.produced_by}」办结后自动获取"
        if self.in_bundle_form:
            return "已并入“一件事”的一张申请表"
        return MaterialSource(self.source).label


@dataclass(frozen=True)
class Saving:
    separate: int
    bundled: int

    @property
    def saved(self) -> int:
        return max(self.separate - self.bundled, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.saved / self.separate) if self.separate else 0


@dataclass(frozen=True)
class BundleSavings:
    steps: Saving
    materials: Saving
    days: Saving
    visits: Saving
    critical_path_days: int


def _links(bundle: Bundle) -> list[BundleItem]:
    return list(
        bundle.bundle_items.select_related("item")
        .prefetch_related("item__materials", "depends_on__item")
        .order_by("order")
    )


def merged_materials(bundle: Bundle, links: list[BundleItem] | None = None) -> list[MergedMaterial]:
    """One set of materials: each document once, with the sub-items that need it."""
    links = _links(bundle) if links is None else links
    produced = {link.item.result_name: link.item.name for link in links if link.item.result_name}
    merged: dict[str, MergedMaterial] = {}
    for link in links:
        for material in link.item.materials.all():
            entry = merged.get(material.name)
            if entry is None:
                entry = merged[material.name] = MergedMaterial(
                    name=material.name,
                    required=material.required,
                    source=material.source,
                    produced_by=produced.get(material.name),
                    in_bundle_form=len(links) > 1 and material.name.endswith(FORM_SUFFIXES),
                )
            entry.required = entry.required or material.required
            # Any sub-item able to fetch it electronically spares the applicant.
            if material.source != MaterialSource.APPLICANT:
                entry.source = material.source
            if link.item.name not in entry.items:
                entry.items.append(link.item.name)
    return list(merged.values())


def _critical_path(links: list[BundleItem]) -> int:
    finish: dict[int, int] = {}

    def days_until_done(link: BundleItem) -> int:
        if link.pk not in finish:
            finish[link.pk] = 0  # guards against a cycle in bad data
            before = [days_until_done(dep) for dep in link.depends_on.all()]
            finish[link.pk] = max(before, default=0) + (link.item.promised_days or 0)
        return finish[link.pk]

    return max((days_until_done(link) for link in links), default=0)


def compute_savings(bundle: Bundle) -> BundleSavings:
    links = _links(bundle)
    materials = merged_materials(bundle, links)
    separate_materials = sum(len(link.item.materials.all()) for link in links)
    return BundleSavings(
        steps=Saving(sum(len(link.item.steps) for link in links), len(BUNDLE_STEPS)),
        materials=Saving(separate_materials, sum(1 for m in materials if m.asked)),
        days=Saving(sum(link.item.promised_days or 0 for link in links), bundle.promised_days),
        visits=Saving(sum(link.item.visits for link in links), bundle.visits),
        critical_path_days=_critical_path(links),
    )
