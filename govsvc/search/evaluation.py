"""Measure search against colloquial queries with their expected bundle."""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from govsvc.search.engine import SearchIndex, get_index


@dataclass
class Evaluation:
    total: int = 0
    top1: int = 0
    top3: int = 0
    top3_overall: int = 0
    misses: list[tuple[str, int, list[int]]] = field(default_factory=list)

    def rate(self, hits: int) -> float:
        return hits / self.total if self.total else 0.0

    def summary(self) -> str:
        return (
            f"queries={self.total} top1={self.rate(self.top1):.3f} top3={self.rate(self.top3):.3f} "
            f"top3_overall={self.rate(self.top3_overall):.3f}"
        )


def load_queries(path: Path) -> list[tuple[str, int]]:
    with path.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    return [(str(e["q"]), int(e["bundle"])) for e in entries]


def evaluate(queries: list[tuple[str, int]], index: SearchIndex | None = None) -> Evaluation:
    """top1/top3 count the expected bundle among bundle results; top3_overall among all."""
    index = index or get_index()
    result = Evaluation()
    for query, expected in queries:
        hits = index.search(query, limit=10)
        bundles = [h["list_no"] for h in hits if h["kind"] == "bundle"]
        overall = [h.get("list_no") for h in hits[:3]]
        result.total += 1
        result.top1 += bundles[:1] == [expected]
        result.top3 += expected in bundles[:3]
        result.top3_overall += expected in overall
        if expected not in bundles[:3]:
            result.misses.append((query, expected, bundles[:3]))
    return result
