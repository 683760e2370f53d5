"""Scoring one message at a time without scikit-learn's per-call machinery.

Ticket intake classifies one message per request. Through the fitted pipeline that costs
about 3 ms, nearly all of it input checks, sparse-matrix assembly and the feature union's
dispatch, not arithmetic. `CompiledScorer` reads the fitted vocabularies, IDF weights
and the linear model's coefficients once, and then scores a message with a few dictionary
look-ups and one small dense product. It reproduces the pipeline's TF-IDF arithmetic
(sublinear term frequency, IDF, L2 norm per view) exactly; a test holds the two to the
same margins.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion


@dataclass
class _View:
    analyzer: str  # "word" or "char"
    low: int
    high: int
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int


def _word_grams(words: list[str], low: int, high: int) -> list[str]:
    grams: list[str] = []
    for n in range(low, high + 1):
        if n == 1:
            grams.extend(words)
        else:
            grams.extend([" ".join(words[i : i + n]) for i in range(len(words) - n + 1)])
    return grams


class _CharGrams:
    """Character n-grams of one text, each length cut once even when two views share it."""

    def __init__(self, text: str):
        self.text = text
        self.by_length: dict[int, list[str]] = {}

    def of_length(self, n: int) -> list[str]:
        grams = self.by_length.get(n)
        if grams is None:
            text = self.text
            grams = list(text) if n == 1 else [text[i : i + n] for i in range(len(text) - n + 1)]
            self.by_length[n] = grams
        return grams

    def between(self, low: int, high: int) -> list[str]:
        grams: list[str] = []
        for n in range(low, high + 1):
            grams.extend(self.of_length(n))
        return grams


def _check_view(vectorizer: TfidfVectorizer) -> None:
    """The fast path knows only the settings the classifier uses; anything else is an
    error here rather than silently different scores."""
    if not (vectorizer.sublinear_tf and vectorizer.use_idf and vectorizer.norm == "l2"):
        raise ValueError("scoring needs sublinear tf, idf and l2 norm")
    if vectorizer.analyzer not in ("word", "char") or vectorizer.stop_words is not None:
        raise ValueError(f"unsupported analyzer {vectorizer.analyzer!r}")


class CompiledScorer:
    """Margins of a fitted TF-IDF feature union and linear model for one text."""

    def __init__(
        self,
        features: FeatureUnion,
        coef: np.ndarray,
        intercept: np.ndarray,
        *,
        tokenize: Callable[[str], list[str]],
        squeeze: Callable[[str], str],
    ):
        self.tokenize = tokenize
        self.squeeze = squeeze
        self.views: list[_View] = []
        offset = 0
        for _name, vectorizer in features.transformer_list:
            _check_view(vectorizer)
            low, high = vectorizer.ngram_range
            idf = np.asarray(vectorizer.idf_, dtype=np.float64)
            self.views.append(
                _View(vectorizer.analyzer, low, high, vectorizer.vocabulary_, idf, offset)
            )
            offset += len(idf)
        if coef.shape[1] != offset:
            raise ValueError("model and features disagree on the number of columns")
        # Rows are features, so gathering a message's few hundred features reads
        # contiguous memory.
        self.weights = np.ascontiguousarray(coef.T, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)

    def _columns(self, text: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        words: list[str] | None = None
        chars: _CharGrams | None = None
        for view in self.views:
            if view.analyzer == "word":
                if words is None:
                    words = self.tokenize(text)
                grams = _word_grams(words, view.low, view.high)
            else:
                if chars is None:
                    chars = _CharGrams(self.squeeze(text))
                grams = chars.between(view.low, view.high)

            counts = Counter(map(view.vocabulary.get, grams))
            counts.pop(None, None)  # type: ignore[call-overload]  # grams not in the vocabulary
            if not counts:
                continue
            found = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (1.0 + np.log(tf)) * view.idf[found]
            weights /= math.sqrt(weights @ weights)
            columns.append(found + view.offset)
            values.append(weights)
        return columns, values

    def margins(self, text: str) -> np.ndarray:
        """One margin per class, as the linear model's decision_function gives them."""
        columns, values = self._columns(text)
        if not columns:
            return self.intercept.copy()
        return self.intercept + np.concatenate(values) @ self.weights[np.concatenate(columns)]

    def margins_many(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self.margins(t) for t in texts]) if texts else np.empty((0, 0))
