"""The loaded bundles match attachment 1 of the city plan, read here independently."""

import difflib
import re
from pathlib import Path

import pytest
from django.conf import settings

from govsvc.bundles.models import Bundle
from govsvc.directory.loading import DepartmentResolver
from govsvc.directory.models import normalise_name

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "docs" / "source" / "wuhan-plan-2025-9.txt"
_ROW = re.compile(r"^(\d{1,2})\t(.+?)\t(.+?)\t(.+?)\t(.+)$")


def seed_rows() -> dict[int, dict[str, str]]:
    text = SEED.read_text(encoding="utf-8").split("附件 2")[0]
    rows: dict[int, dict[str, str]] = {}
    for line in text.splitlines():
        match = _ROW.match(line.strip())
        if match and 1 <= int(match.group(1)) <= 44:
            number, name, items, depts, level = match.groups()
            rows[int(number)] = {"name": name, "items": items, "depts": depts, "level": level}
    return rows


def seed_leads(cell: str) -> list[str]:
    """The first ★ group names the lead departments; a space ends it where no ★ follows."""
    first = cell.split("★")[1]
    if cell.count("★") == 1:
        first = first.strip().split(" ")[0]
    return [n for n in (normalise_name(p) for p in first.split("、")) if n]


def test_the_seed_has_44_rows() -> None:
    assert sorted(seed_rows()) == list(range(1, 45))


def test_all_44_bundles_are_loaded_with_their_names_and_levels() -> None:
    rows = seed_rows()
    bundles = {b.list_no: b for b in Bundle.objects.all()}
    assert sorted(bundles) == list(range(1, 45))
    for number, row in rows.items():
        bundle = bundles[number]
        seed_name = normalise_name(row["name"]).replace("“一件事”", "").replace('"一件事"', "")
        assert normalise_name(bundle.name) in seed_name or seed_name in normalise_name(
            bundle.full_name
        ), (
            number,
            bundle.name,
            seed_name,
        )
        assert bundle.deployment_level in normalise_name(row["level"]), (
            number,
            bundle.deployment_level,
        )


def test_lead_departments_match_the_stars() -> None:
    resolver = DepartmentResolver()
    for number, row in seed_rows().items():
        bundle = Bundle.objects.get(list_no=number)
        expected = {resolver.get(name) for name in seed_leads(row["depts"])}
        assert None not in expected, (number, seed_leads(row["depts"]))
        assert expected <= set(bundle.lead_departments.all()), (number, expected)


def test_every_department_of_a_row_takes_part_in_its_bundle() -> None:
    resolver = DepartmentResolver()
    for number, row in seed_rows().items():
        bundle = Bundle.objects.get(list_no=number)
        taking_part = {*bundle.lead_departments.all(), *bundle.departments.all()}
        names = [normalise_name(n) for n in re.split(r"[、★\s]+", row["depts"]) if n.strip()]
        for name in names:
            dept = resolver.get(name)
            if dept is not None:
                assert dept in taking_part, (number, name)


def test_sub_items_cover_what_the_seed_lists() -> None:
    for number, row in seed_rows().items():
        bundle = Bundle.objects.get(list_no=number)
        item_names = [normalise_name(link.item.name) for link in bundle.bundle_items.all()]
        assert len(item_names) == bundle.declared_item_count, number
        declared = re.search(r"等\s*(\d+)\s*个事项", row["items"])
        if declared:
            assert bundle.declared_item_count == int(declared.group(1)), number
        listed = re.sub(r"等\s*\d+\s*个事项", "", row["items"])
        fragments = [normalise_name(f) for f in re.split(r"[、,，]", listed) if normalise_name(f)]
        missing = [
            f
            for f in fragments
            if not any(
                f in name or name in f or difflib.SequenceMatcher(None, f, name).ratio() >= 0.6
                for name in item_names
            )
        ]
        # PDF extraction splits a few names oddly; nearly every listed name must be found.
        assert len(missing) <= max(1, len(fragments) // 5), (number, missing)
