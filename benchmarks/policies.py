"""Batch policy matching (免申即享) over 2,000,000 enterprise profiles and 100 policies.

Generates the profiles (Parquet) and the rules (YAML) under a temporary folder, then:

1. runs the whole batch in DuckDB exactly as ``manage.py policies_match`` does, writing
   every matching (entity_id, policy_code) pair to Parquet, and times it;
2. times a plain Python loop (the reference evaluator, row by row, rule by rule) on a
   sample and scales it to the full set;
3. checks that both agree on the sample, and prints peak memory (ru_maxrss).

    .venv/bin/python benchmarks/policies.py [--profiles 2000000] [--policies 100]
        [--sample 20000] [--threads N] [--keep]

Target: batch under 10 s on 2 cores, at least 10x faster than the plain loop.
"""

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govsvc.policies.batch import match_files  # noqa: E402
from govsvc.policies.rules import compile_rule, evaluate  # noqa: E402
from govsvc.policies.rules.schema import ENTERPRISE  # noqa: E402

REGIONS = [
    "江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区", "东西湖区",
    "汉南区", "蔡甸区", "江夏区", "黄陂区", "新洲区", "东湖新技术开发区", "武汉经济技术开发区",
]  # fmt: skip
INDUSTRIES = [
    "制造业", "信息传输、软件和信息技术服务业", "批发和零售业", "建筑业", "科学研究和技术服务业",
    "交通运输、仓储和邮政业", "住宿和餐饮业", "租赁和商务服务业", "文化、体育和娱乐业",
    "农、林、牧、渔业",
]  # fmt: skip
TYPES = ["有限责任公司", "股份有限公司", "个人独资企业", "合伙企业"]


def generate_profiles(count: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    revenue = np.round(rng.lognormal(15, 1.6, count), 2)
    missing = rng.random(count) < 0.02
    employees = rng.integers(1, 2000, count).astype(np.float64)
    established = np.datetime64("1995-01-01") + rng.integers(0, 30 * 365, count).astype(
        "timedelta64[D]"
    )

    def flags(p: float) -> pa.Array:
        return pa.array(rng.random(count) < p)

    return pa.table(
        {
            "entity_id": pa.array(np.arange(1, count + 1, dtype=np.int64) * 7 + 91420100),
            "registered_region": pa.DictionaryArray.from_arrays(
                rng.integers(0, len(REGIONS), count).astype(np.int32), REGIONS
            ).cast(pa.string()),
            "industry": pa.DictionaryArray.from_arrays(
                rng.integers(0, len(INDUSTRIES), count).astype(np.int32), INDUSTRIES
            ).cast(pa.string()),
            "enterprise_type": pa.DictionaryArray.from_arrays(
                rng.integers(0, len(TYPES), count).astype(np.int32), TYPES
            ).cast(pa.string()),
            "established_on": pa.array(established.astype("datetime64[D]"), pa.date32()),
            "registered_capital": pa.array(np.round(rng.lognormal(14, 1.5, count), 0)),
            "revenue_last_year": pa.array(revenue, mask=missing),
            "tax_paid_last_year": pa.array(np.round(revenue * rng.uniform(0, 0.12, count), 2)),
            "employees": pa.array(employees),
            "insured_employees": pa.array(np.floor(employees * rng.uniform(0.3, 1.0, count))),
            "rd_expense_ratio": pa.array(np.round(rng.uniform(0, 0.2, count), 4)),
            "patents": pa.array(rng.poisson(2, count).astype(np.int64)),
            "is_high_tech": flags(0.12),
            "is_specialised_sme": flags(0.05),
            "is_small_micro": flags(0.6),
            "has_credit_issue": flags(0.03),
        }
    )


def generate_rules(count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)

    def regions(k: int) -> str:
        return ", ".join(f'"{r}"' for r in rng.sample(REGIONS, k))

    def day() -> str:
        return (date(2000, 1, 1) + timedelta(days=rng.randrange(9000))).isoformat()

    templates = [
        lambda: (
            f"registered_region in ({regions(rng.randint(1, 4))}) and is_high_tech "
            f"and revenue_last_year >= {rng.choice([1, 2, 5, 10])}e6"
        ),
        lambda: (
            f'industry == "{rng.choice(INDUSTRIES)}" and employees >= {rng.randint(5, 50)} '
            f"and employees < {rng.randint(100, 1000)}"
        ),
        lambda: (
            f"is_specialised_sme and rd_expense_ratio >= {rng.choice([0.03, 0.05, 0.08])} "
            "and not has_credit_issue"
        ),
        lambda: (
            f"tax_paid_last_year / revenue_last_year > {rng.choice([0.02, 0.05, 0.1])} "
            f'and registered_region == "{rng.choice(REGIONS)}"'
        ),
        lambda: (
            f'established_on >= "{day()}" and is_small_micro '
            f"and registered_region not in ({regions(2)})"
        ),
        lambda: (
            f"(patents >= {rng.randint(2, 8)} or is_high_tech) "
            f"and insured_employees * 12 >= {rng.randint(60, 600)} and not has_credit_issue"
        ),
        lambda: (
            f'enterprise_type == "{rng.choice(TYPES)}" and registered_capital > '
            f"{rng.randint(1, 50)}e5 and (revenue_last_year - tax_paid_last_year) / employees "
            f"> {rng.randint(1, 20)}e4"
        ),
    ]
    return [
        {"code": f"WH-{index:03d}", "rule": rng.choice(templates)()}
        for index in range(1, count + 1)
    ]


def python_loop(table: pa.Table, rules: list[dict[str, str]]) -> tuple[float, set]:
    checked = [(r["code"], compile_rule(r["rule"], ENTERPRISE)) for r in rules]
    rows = table.to_pylist()
    started = time.perf_counter()
    pairs = {
        (row["entity_id"], code) for row in rows for code, rule in checked if evaluate(rule, row)
    }
    return time.perf_counter() - started, pairs


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=2_000_000)
    parser.add_argument("--policies", type=int, default=100)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20250807)
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policies-bench-"))

    started = time.perf_counter()
    table = generate_profiles(args.profiles, args.seed)
    profiles_path = work / "profiles.parquet"
    pq.write_table(table, profiles_path)
    rules = generate_rules(args.policies, args.seed)
    rules_path = work / "rules.yaml"
    rules_path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    print(f"generated {args.profiles:,} profiles, {len(rules)} policies "
          f"in {time.perf_counter() - started:.1f} s → {work}")  # fmt: skip
    rss_before = maxrss_mib()

    out = work / "matches.parquet"
    started = time.perf_counter()
    stats = match_files(profiles_path, [(r["code"], r["rule"]) for r in rules], out,
                        threads=args.threads)  # fmt: skip
    batch_seconds = time.perf_counter() - started
    rss_batch = maxrss_mib()
    print(f"batch (DuckDB): {batch_seconds:.2f} s, {stats.pairs:,} pairs written to {out.name} "
          f"({out.stat().st_size / 2**20:.1f} MiB)")  # fmt: skip

    sample = table.slice(0, args.sample)
    loop_seconds, loop_pairs = python_loop(sample, rules)
    scaled = loop_seconds * args.profiles / args.sample
    print(f"plain Python loop: {loop_seconds:.2f} s for {args.sample:,} profiles → "
          f"{scaled:.1f} s scaled to {args.profiles:,}")  # fmt: skip

    batch_pairs = pq.read_table(out).filter(
        pa.compute.less_equal(pa.compute.field("entity_id"), sample["entity_id"][-1])
    )
    same = set(zip(*batch_pairs.to_pydict().values(), strict=True)) == loop_pairs
    print(f"sample agreement (batch vs loop, {len(loop_pairs):,} pairs): {'yes' if same else 'NO'}")
    print(f"speed-up: {scaled / batch_seconds:.0f}x")
    print(f"peak memory (ru_maxrss): {rss_before:.0f} MiB after generating, "
          f"{rss_batch:.0f} MiB after the batch, {maxrss_mib():.0f} MiB at the end")  # fmt: skip
    target = batch_seconds < 10 and scaled / batch_seconds >= 10 and same
    print("target met" if target else "TARGET MISSED")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
