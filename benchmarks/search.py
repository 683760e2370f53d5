"""Search latency over a catalog of 10,000 items.

Builds a throwaway SQLite database under a temporary folder: the shipped reference data,
then implementation items copied to districts, streets and communities until the catalog
holds --items published items. Runs every query of the colloquial query set --rounds times,
through the engine and through GET /api/v1/search, and prints p50/p95/p99 in milliseconds.

    .venv/bin/python benchmarks/search.py [--items 10000] [--rounds 3]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="search-bench-"))
    os.environ["VAR_DIR"] = str(var)
    os.environ["DATABASE_URL"] = f"sqlite:///{var / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from govsvc.catalog.models import ServiceItem, Status
    from govsvc.catalog.services import bump_catalog_generation
    from govsvc.directory.models import Department, Region
    from govsvc.search.engine import get_index
    from govsvc.search.evaluation import load_queries

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)

    templates = list(ServiceItem.objects.filter(base__isnull=False))
    regions = list(Region.objects.filter(level__in=["district", "street", "community"]))
    depts = list(Department.objects.all())
    existing = ServiceItem.objects.filter(status=Status.PUBLISHED, base__isnull=False).count()
    new_items = []
    level_of = {"district": "4", "street": "5", "community": "6"}
    for n in range(max(args.items - existing, 0)):
        src = templates[n % len(templates)]
        region = regions[n % len(regions)]
        dept = depts[n % len(depts)]
        code = f"{dept.code}{level_of[region.level]}{src.basic_code}"
        new_items.append(
            ServiceItem(
                basic_code=src.basic_code,
                implementation_code=f"{code[:-3]}{n % 1000:03d}{n // 1000:02d}",
                base_id=src.base_id,
                name=f"{src.name}（{region.name}）",
                item_type=src.item_type,
                level=region.level,
                region=region,
                department=dept,
                objects_served=src.objects_served,
                conditions=src.conditions,
                keywords=src.keywords,
                result_name=src.result_name,
                status=Status.PUBLISHED,
            )
        )
    ServiceItem.objects.bulk_create(new_items, batch_size=2000)
    bump_catalog_generation()
    total = ServiceItem.objects.filter(status=Status.PUBLISHED, base__isnull=False).count()

    started = time.perf_counter()
    index = get_index()
    build = time.perf_counter() - started
    queries = [
        q for q, _ in load_queries(ROOT / "govsvc" / "search" / "tests" / "search_queries.yaml")
    ]

    engine_ms: list[float] = []
    api_ms: list[float] = []
    client = Client()
    for _ in range(args.rounds):
        for query in queries:
            t0 = time.perf_counter()
            index.search(query, limit=10)
            engine_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            response = client.get("/api/v1/search", {"q": query})
            api_ms.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200

    print(
        f"catalog: {total} published implementation items + {index.docs.__len__() - total} bundles"
    )
    print(f"index build: {build:.2f} s (vocabulary {len(index.vectorizer.vocabulary_)} terms)")
    for label, values in (("engine", engine_ms), ("api", api_ms)):
        print(
            f"{label}: n={len(values)} p50={statistics.median(values):.2f} ms "
            f"p95={percentile(values, 95):.2f} ms p99={percentile(values, 99):.2f} ms "
            f"max={max(values):.2f} ms"
        )
    print("target: api p95 < 30 ms ->", "OK" if percentile(api_ms, 95) < 30 else "MISSED")


if __name__ == "__main__":
    main()
