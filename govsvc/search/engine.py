"""Search bundles and items in residents' own words.

Documents are bundles and published catalog items. Each has three fields (title, the words
residents use, the rest of its text), tokenised into jieba words, character bigrams and
single characters, and scored with BM25 per field. A query is expanded with the synonyms in
data/search/synonyms.yaml. A bundle also earns part of the best score of its sub-items, so a
query that names one document ("出生证明") finds the bundle it belongs to.

The index is kept in memory per process and rebuilt when the catalog generation changes.
"""

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba
import numpy as np
import yaml
from django.conf import settings
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from govsvc.bundles.models import Bundle
from govsvc.catalog.models import ServiceItem, Status
from govsvc.catalog.services import catalog_generation

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

FIELD_WEIGHTS = {"title": 3.0, "aliases": 2.5, "body": 1.0}
TOKEN_WEIGHTS = {"word": 1.0, "bigram": 0.6, "char": 0.15}
SYNONYM_WEIGHT = 0.6
BUNDLE_BOOST = 1.3
ITEM_TO_BUNDLE = 0.5
K1, B = 1.2, 0.75

# Words that say nothing about the matter: question words, "办", "要", Wuhan's "么样".
STOP_WORDS = {
    "什么",
    "怎么",
    "怎么办",
    "怎样",
    "如何",
    "哪里",
    "哪儿",
    "哪些",
    "哪个",
    "需要",
    "要办",
    "办理",
    "手续",
    "材料",
    "么样",
    "么事",
    "么材料",
    "么办",
    "可以",
    "能不能",
    "吗",
    "呢",
    "我",
    "我们",
    "我家",
    "的",
    "了",
    "要",
    "办",
    "去",
    "在",
    "是",
    "有",
    "一下",
    "一个",
    "准备",
    "找",
    "哪",
    "个",
    "和",
    "跟",
    "都",
    "还",
    "想",
    "请问",
    "咨询",
    "部门",
    "么",
    "能",
    "不能",
    "怎么样",
    "多久",
    "流程",
    "申请",
    "到",
    "给",
    "把",
    "被",
    "就",
    "也",
}
STOP_CHARS = set("的了么吗呢啊吧要办去在是有个我你他她它们和跟都还想能可以哪什怎样请问到给把被就也")
_CJK = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z]+|\d+")


def tokens(text: str) -> list[tuple[str, str]]:
    """(token, kind) pairs: jieba words, CJK bigrams and single CJK characters."""
    out: list[tuple[str, str]] = []
    for run in _CJK.findall(text.lower()):
        if not ("\u4e00" <= run[0] <= "\u9fff"):
            if run not in STOP_WORDS:
                out.append((run, "word"))
            continue
        for word in jieba.lcut_for_search(run):
            if len(word) > 1 and word not in STOP_WORDS:
                out.append((word, "word"))
        for i in range(len(run) - 1):
            pair = run[i : i + 2]
            if pair not in STOP_WORDS and not (pair[0] in STOP_CHARS and pair[1] in STOP_CHARS):
                out.append((pair, "bigram"))
        out.extend((ch, "char") for ch in run if ch not in STOP_CHARS)
    return out


def _analyzer(text: str) -> list[str]:
    return [token for token, _ in tokens(text)]


@dataclass(frozen=True)
class Document:
    kind: str  # "bundle" | "item"
    key: str  # list_no or item code
    name: str
    title: str
    aliases: str
    body: str
    bundle_list_nos: tuple[int, ...] = ()
    extra: tuple[tuple[str, Any], ...] = ()


def load_synonyms(path: Path | None = None) -> dict[str, list[str]]:
    path = path or Path(settings.BASE_DIR) / "data" / "search" / "synonyms.yaml"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return {str(k): [str(v) for v in vs] for k, vs in raw.items()}


def collect_documents() -> list[Document]:
    docs: list[Document] = []
    bundles = Bundle.objects.prefetch_related(
        "lead_departments", "departments", "bundle_items__item"
    ).order_by("list_no")
    item_bundles: dict[int, list[int]] = {}
    for bundle in bundles:
        sub_items = [link.item for link in bundle.bundle_items.all()]
        for item in sub_items:
            item_bundles.setdefault(item.pk, []).append(bundle.list_no)
        depts = [*bundle.lead_departments.all(), *bundle.departments.all()]
        docs.append(
            Document(
                kind="bundle",
                key=str(bundle.list_no),
                name=bundle.name,
                title=f"{bundle.name} 一件事",
                aliases=" ".join([*bundle.aliases, bundle.life_event, *bundle.themes]),
                body=" ".join(
                    [bundle.seed_items_text, *(i.name for i in sub_items)]
                    + [i.result_name for i in sub_items]
                    + [d.short_name for d in depts]
                ),
                extra=(
                    (
                        "lead_departments",
                        tuple(d.short_name for d in bundle.lead_departments.all()),
                    ),
                ),
            )
        )
    items = (
        ServiceItem.objects.filter(status=Status.PUBLISHED, base__isnull=False)
        .select_related("department", "base")
        .order_by("basic_code", "implementation_code")
    )
    for item in items:
        docs.append(
            Document(
                kind="item",
                key=item.code,
                name=item.name,
                title=item.name,
                aliases=" ".join(item.keywords),
                body=" ".join(
                    [item.result_name, item.department.short_name, item.conditions[:120]]
                ),
                bundle_list_nos=tuple(item_bundles.get(item.base_id or 0, ())),
                extra=(
                    ("basic_code", item.basic_code),
                    ("department", item.department.short_name),
                    ("level", item.level),
                ),
            )
        )
    return docs


class SearchIndex:
    def __init__(self, docs: list[Document], synonyms: dict[str, list[str]] | None = None) -> None:
        self.docs = docs
        self.synonyms = synonyms or {}
        for word in self.synonyms:
            jieba.add_word(word)
        for doc in docs:
            if doc.kind == "bundle":
                jieba.add_word(doc.name)
        # Tokenise each distinct text once: implementation items repeat their base's words.
        cache: dict[str, list[str]] = {}

        def analyse(text: str) -> list[str]:
            if text not in cache:
                cache[text] = _analyzer(text)
            return cache[text]

        self.vectorizer = CountVectorizer(analyzer=analyse, dtype=np.float32)
        fields = list(FIELD_WEIGHTS)
        texts = {f: [getattr(d, f) for d in docs] for f in fields}
        self.vectorizer.fit([t for f in fields for t in texts[f]] or [""])
        counts = {f: self.vectorizer.transform(texts[f]).tocsr() for f in fields}
        self.vectorizer.analyzer = _analyzer  # the build cache is not kept for queries
        presence = sum((counts[f] > 0).astype(np.float32) for f in fields)
        df = np.asarray((presence > 0).sum(axis=0)).ravel()
        n = max(len(docs), 1)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        weighted = None
        for f in fields:
            part = self._bm25(counts[f], idf) * FIELD_WEIGHTS[f]
            weighted = part if weighted is None else weighted + part
        self.matrix = sparse.csc_matrix(weighted)
        self.kind_boost = np.array(
            [BUNDLE_BOOST if d.kind == "bundle" else 1.0 for d in docs], dtype=np.float32
        )
        bundle_pos = {d.key: i for i, d in enumerate(docs) if d.kind == "bundle"}
        rows, cols = [], []
        for i, d in enumerate(docs):
            for list_no in d.bundle_list_nos:
                if str(list_no) in bundle_pos:
                    rows.append(bundle_pos[str(list_no)])
                    cols.append(i)
        self.item_to_bundle = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(docs), len(docs))
        )

    @staticmethod
    def _bm25(tf: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
        tf = tf.copy()
        lengths = np.asarray(tf.sum(axis=1)).ravel()
        avg = lengths.mean() if lengths.size and lengths.mean() > 0 else 1.0
        norm = K1 * (1 - B + B * lengths / avg)
        row_of = np.repeat(np.arange(tf.shape[0]), np.diff(tf.indptr))
        data = tf.data
        tf.data = (idf[tf.indices] * data * (K1 + 1) / (data + norm[row_of])).astype(np.float32)
        return tf

    def query_weights(self, query: str) -> dict[int, float]:
        vocab = self.vectorizer.vocabulary_
        weights: dict[int, float] = {}

        def add(text: str, factor: float) -> None:
            for token, kind in tokens(text):
                col = vocab.get(token)
                if col is not None:
                    weights[col] = max(weights.get(col, 0.0), TOKEN_WEIGHTS[kind] * factor)

        add(query, 1.0)
        for word, expansions in self.synonyms.items():
            if word in query:
                for expansion in expansions:
                    add(expansion, SYNONYM_WEIGHT)
        return weights

    def scores(self, query: str) -> np.ndarray:
        weights = self.query_weights(query)
        if not weights:
            return np.zeros(len(self.docs), dtype=np.float32)
        cols = np.fromiter(weights.keys(), dtype=np.int64)
        vec = np.fromiter(weights.values(), dtype=np.float32)
        own = np.asarray(self.matrix[:, cols] @ vec).ravel()
        # Bundles earn part of their best-matching sub-item's score.
        best_item = self.item_to_bundle.multiply(own[np.newaxis, :]).max(axis=1)
        propagated = np.asarray(best_item.todense()).ravel()
        return (own + ITEM_TO_BUNDLE * propagated) * self.kind_boost

    def search(self, query: str, limit: int = 10, kind: str | None = None) -> list[dict[str, Any]]:
        query = query.strip()[:200]
        if not query:
            return []
        scores = self.scores(query)
        if kind:
            mask = np.array([d.kind == kind for d in self.docs])
            scores = np.where(mask, scores, 0)
        top = np.argsort(-scores, kind="stable")[:limit]
        results = []
        for i in top:
            if scores[i] <= 0:
                break
            doc = self.docs[i]
            hit: dict[str, Any] = {
                "kind": doc.kind,
                "name": doc.name,
                "score": round(float(scores[i]), 3),
            }
            if doc.kind == "bundle":
                hit["list_no"] = int(doc.key)
            else:
                hit["code"] = doc.key
                hit["bundles"] = list(doc.bundle_list_nos)
            hit.update(dict(doc.extra))
            results.append(hit)
        return results


_lock = threading.Lock()
_state: dict[str, Any] = {"generation": None, "index": None, "building": False}


def _build(generation: int) -> None:
    started = time.perf_counter()
    index = SearchIndex(collect_documents(), load_synonyms())
    with _lock:
        _state["index"], _state["generation"], _state["building"] = index, generation, False
    logger.info(
        "search_index_built docs=%s seconds=%.2f", len(index.docs), time.perf_counter() - started
    )


def _build_in_background(generation: int) -> None:
    try:
        _build(generation)
    except Exception:
        logger.exception("search_index_build_failed")
        with _lock:
            _state["building"] = False
    finally:
        from django.db import connection

        connection.close()


def get_index() -> SearchIndex:
    """The current index. After a catalog change the old index keeps answering while a new
    one is built in a background thread; only the very first request waits for a build."""
    generation = catalog_generation()
    with _lock:
        index, current = _state["index"], _state["generation"]
        stale = index is not None and current != generation and not _state["building"]
        if stale:
            _state["building"] = True
    if index is None:
        with _build_lock:
            if _state["index"] is None:
                _build(generation)
        return _state["index"]
    if stale:
        threading.Thread(target=_build_in_background, args=(generation,), daemon=True).start()
    return index


_build_lock = threading.Lock()


def search(query: str, limit: int = 10, kind: str | None = None) -> list[dict[str, Any]]:
    return get_index().search(query, limit=limit, kind=kind)
