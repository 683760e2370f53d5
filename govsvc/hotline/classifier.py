"""The ticket classifier: proposes a matter category for a citizen's message.

A linear model over two TF-IDF views of the text: jieba words (1-2 grams) and character
1-3 grams. Character grams carry the model where jieba splits a rare place or product
name badly; word bigrams carry short phrases such as 拖欠 工资. The regularisation
strength is chosen by a quick cross-validation on the training file.

A third view of character 2-4 grams was tried and dropped: on real review and lexicon
corpora it moved macro-F1 by less than a tenth of a point either way while it tripled the
time to build features and halved single-message speed (see docs/hotline.md).

Text may arrive raw or already split into words by spaces (the way many published
corpora ship it); split text is taken as it is and not segmented a second time.

The model is stored as a gzipped pickle. A pickle is code: load only files this platform
wrote itself (the default model under var/, or one an administrator trained).
"""

from __future__ import annotations

import gzip
import logging
import os
import pickle
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba
import numpy as np

try:
    import rjieba
except ImportError:  # pragma: no cover - the pinned requirement provides it
    rjieba = None  # type: ignore[assignment]
import sklearn
from django.conf import settings
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from govsvc.hotline.datafiles import DataFileError, Dataset, load_dataset, read_rows
from govsvc.hotline.scoring import CompiledScorer

__all__ = ["DataFileError", "Dataset", "TicketClassifier", "load_dataset", "read_rows", "train"]

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

FORMAT_VERSION = 3  # 3: text normalised (NFKC, lower case) before both views
C_GRID = (0.1, 0.25, 0.5, 1.0)
DEFAULT_C = 0.5
CV_FOLDS = 3
# The C search runs on a stratified sample of at most CV_SAMPLE_LIMIT rows, fewer for long
# texts (about CV_NONZERO_BUDGET feature values in all, but never under CV_SAMPLE_MIN
# rows), so training on a large file stays within the one-minute budget. The search
# costs twelve fits; the final model still sees every row.
CV_SAMPLE_LIMIT = 6000
CV_SAMPLE_MIN = 2500
CV_NONZERO_BUDGET = 2_000_000
# Up to this many messages a call goes through the compiled scorer, one by one.
FAST_PATH_LIMIT = 64


# --- text preparation ---------------------------------------------------------------


def is_segmented(chunks: list[str]) -> bool:
    """Text already split into words has many short chunks; raw text with a stray space,
    tab or line break (common in exported tickets) has a few long ones."""
    if len(chunks) < 3:
        return False
    return sum(len(c) for c in chunks) / len(chunks) <= 4.0


def normalize(text: str) -> str:
    """One spelling for what residents type in several: full-width letters, digits and
    punctuation become their ordinary forms (ＷｉＦｉ，１２３ → wifi,123), and Latin letters
    lower case. On held-out real text this lifted macro-F1 by 0.1 (news titles) to 0.5
    (reviews) points; both views see the same normalised text."""
    return unicodedata.normalize("NFKC", text).lower()


def tokens(text: str) -> list[str]:
    """Words of a message: its own spaces if it is already segmented, otherwise jieba's."""
    chunks = normalize(text).split()
    if is_segmented(chunks):
        return chunks
    # Without jieba's HMM guessing of unknown words: faster, and on held-out real reviews
    # slightly better (0.8968 against 0.8948 macro-F1), since the character view already
    # covers words the dictionary lacks.
    words: list[str] = []
    for chunk in chunks:
        words.extend(w for w in _cut(chunk) if w.strip())
    return words


def _cut(chunk: str) -> list[str]:
    # rjieba runs jieba's algorithm and dictionary in Rust: the same words (identical on
    # 4,000 real and generated messages), fifteen times faster. Its dictionary is also
    # private, so words the search index adds to jieba's global one (catalogue names)
    # cannot make serving segment differently from training. jieba is the fallback
    # where the compiled wheel is missing.
    if rjieba is not None:
        return rjieba.cut(chunk, hmm=False)
    return jieba.lcut(chunk, HMM=False)


def squeeze(text: str) -> str:
    """The normalised message without spaces, for character grams."""
    return "".join(normalize(text).split())


def _word_view() -> TfidfVectorizer:
    return TfidfVectorizer(
        tokenizer=tokens,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=1,
        dtype=np.float32,
    )


def _char_view(low: int, high: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        preprocessor=squeeze,
        ngram_range=(low, high),
        sublinear_tf=True,
        min_df=2,
        max_features=300_000,
        dtype=np.float32,
    )


def build_features() -> FeatureUnion:
    return FeatureUnion([("words", _word_view()), ("chars13", _char_view(1, 3))])


def build_model(c: float) -> LinearSVC:
    return LinearSVC(C=c, class_weight="balanced")


# --- the model ----------------------------------------------------------------------------


@dataclass
class Prediction:
    label: str
    confidence: float
    alternatives: list[tuple[str, float]]


class TicketClassifier:
    """A trained pipeline with the facts needed to judge whether it still loads."""

    def __init__(self, pipeline: Pipeline, *, meta: dict[str, Any]):
        self.pipeline = pipeline
        self.meta = meta
        self._scorer: CompiledScorer | None = None

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    @property
    def scorer(self) -> CompiledScorer:
        """The fast path for a few messages, built on first use from the fitted pipeline."""
        if self._scorer is None:
            model = self.pipeline.named_steps["model"]
            self._scorer = CompiledScorer(
                self.pipeline.named_steps["features"],
                model.coef_,
                model.intercept_,
                tokenize=tokens,
                squeeze=squeeze,
            )
        return self._scorer

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        # Both views normalise their input; done once here, their own pass finds the text
        # already normal and costs a fraction (Chinese full-width punctuation makes the
        # first pass the expensive one).
        texts = [normalize(t) for t in texts]
        # scikit-learn's per-call checks cost more than the arithmetic for a handful of
        # messages; for many, its vectorised transform is as fast and uses less Python.
        if len(texts) <= FAST_PATH_LIMIT:
            scores = self.scorer.margins_many(texts)
            if scores.shape[1] == 1:
                scores = scores[:, 0]
        else:
            scores = self.pipeline.decision_function(texts)
        if scores.ndim == 1:  # two classes: one margin, positive means classes_[1]
            scores = np.column_stack([-scores, scores])
        return np.asarray(scores)

    def predict(self, texts: Sequence[str]) -> list[str]:
        if not texts:
            return []
        labels = self.pipeline.classes_
        return [str(labels[i]) for i in self.decision(texts).argmax(axis=1)]

    def propose(self, text: str, top: int = 3) -> Prediction:
        return self.propose_many([text], top=top)[0]

    def propose_many(self, texts: Sequence[str], top: int = 3) -> list[Prediction]:
        """Best label with a confidence in [0, 1].

        The confidence is a softmax over the SVM margins, not a calibrated probability:
        it ranks proposals well enough to tell an agent when to look twice.
        """
        scores = self.decision(texts)
        labels = self.labels
        results = []
        for row in scores:
            scaled = np.exp((row - row.max()) * 4.0)
            probs = scaled / scaled.sum()
            order = np.argsort(-probs)[:top]
            ranked = [(labels[i], round(float(probs[i]), 4)) for i in order]
            results.append(Prediction(ranked[0][0], ranked[0][1], ranked[1:]))
        return results

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(handle)
        # Plain pickle, lightly gzipped: joblib's pickler takes ten times longer on the
        # large vocabularies of the n-gram views.
        with gzip.open(temp_name, "wb", compresslevel=1) as out:
            pickle.dump({"pipeline": self.pipeline, "meta": self.meta}, out, protocol=5)
        os.replace(temp_name, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TicketClassifier:
        path = Path(path)
        if not path.is_file():
            raise DataFileError(f"找不到模型文件：{path}")
        try:
            with gzip.open(path, "rb") as source:
                stored = pickle.load(source)  # noqa: S301 - only files this platform wrote
            pipeline, meta = stored["pipeline"], stored["meta"]
        except Exception as exc:  # a foreign or damaged file
            raise DataFileError(f"无法读取模型文件 {path.name}：{exc}") from exc
        if meta.get("format") != FORMAT_VERSION:
            # An older model prepared text differently; scoring it now would silently
            # give other features than it learned.
            raise DataFileError(
                f"模型文件 {path.name} 由旧版平台训练（格式 {meta.get('format')}，"
                f"当前 {FORMAT_VERSION}），请用 hotline_train 重新训练。"
            )
        return cls(pipeline, meta=meta)


@dataclass
class TrainingReport:
    rows: int
    classes: int
    chosen_c: float
    cv_macro_f1: float | None
    seconds: float
    class_counts: dict[str, int]


def _cv_rows(matrix: Any, labels: np.ndarray, seed: int) -> np.ndarray:
    """Rows for the C search: a stratified sample small enough to stay in budget.

    Classes with fewer than CV_FOLDS rows (in the sample) are left out of the search; the
    final model still learns them.
    """
    per_row = matrix.nnz / max(1, matrix.shape[0])
    limit = int(min(CV_SAMPLE_LIMIT, max(CV_SAMPLE_MIN, CV_NONZERO_BUDGET / max(per_row, 1))))
    rng = np.random.default_rng(seed)
    share = min(1.0, limit / len(labels))
    picked = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        take = min(len(members), max(CV_FOLDS, round(len(members) * share)))
        if take >= CV_FOLDS:
            picked.append(members if take == len(members) else rng.choice(members, take, False))
    return np.sort(np.concatenate(picked)) if picked else np.empty(0, dtype=np.intp)


def _choose_c(matrix: Any, labels: np.ndarray, seed: int) -> tuple[float, float | None]:
    """Pick C by 3-fold cross-validation of the linear model on the vectorised rows.

    The features were fitted on the whole file, so document frequencies leak across
    folds; that barely moves the ranking of C and saves vectorising three more times.
    """
    rows = _cv_rows(matrix, labels, seed)
    if len(np.unique(labels[rows])) < 2:
        return DEFAULT_C, None
    x, y = matrix[rows], labels[rows]

    scores: dict[float, list[float]] = {c: [] for c in C_GRID}
    splitter = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    for train_at, test_at in splitter.split(np.zeros(len(y)), y):
        for c in C_GRID:
            predicted = build_model(c).fit(x[train_at], y[train_at]).predict(x[test_at])
            scores[c].append(f1_score(y[test_at], predicted, average="macro"))
    means = {c: float(np.mean(v)) for c, v in scores.items()}
    best = max(means, key=lambda c: (round(means[c], 3), c))
    return best, means[best]


def train(
    texts: Sequence[str], labels: Sequence[str], *, tune: bool = True, seed: int = 12345
) -> tuple[TicketClassifier, TrainingReport]:
    started = time.perf_counter()
    texts, labels = list(texts), [str(label) for label in labels]
    counts = Counter(labels)
    if len(counts) < 2:
        raise DataFileError("训练数据至少需要两个不同的标签。")

    # Segment once: the word view splits the joined words on spaces again, and the
    # character views drop the spaces, so both see what raw text would give them.
    prepared = [" ".join(tokens(t)) for t in texts]
    features = build_features()
    matrix = features.fit_transform(prepared)
    y = np.array(labels)

    chosen_c, cv_f1 = _choose_c(matrix, y, seed) if tune else (DEFAULT_C, None)
    model = build_model(chosen_c).fit(matrix, y)
    pipeline = Pipeline([("features", features), ("model", model)])

    seconds = time.perf_counter() - started
    meta = {
        "format": FORMAT_VERSION,
        "sklearn": sklearn.__version__,
        "c": chosen_c,
        "rows": len(texts),
        "views": [name for name, _ in features.transformer_list],
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    report = TrainingReport(len(texts), len(counts), chosen_c, cv_f1, seconds, dict(counts))
    return TicketClassifier(pipeline, meta=meta), report


# --- the default model ---------------------------------------------------------------------


def default_model_path() -> Path:
    configured = getattr(settings, "HOTLINE_MODEL_PATH", "")
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "hotline" / "default_model.pkl.gz"


def train_default(path: Path | None = None, *, count_per_class: int = 400) -> TicketClassifier:
    """Train the shipped default model from the committed message generator and save it."""
    from govsvc.hotline.generator import generate_messages

    messages = generate_messages(count_per_class=count_per_class, seed=20251203)
    model, report = train([m.text for m in messages], [m.category for m in messages], tune=False)
    model.meta["source"] = "generator"
    target = model.save(path or default_model_path())
    logger.info(
        "hotline_default_model_trained rows=%s seconds=%.1f path=%s",
        report.rows,
        report.seconds,
        target,
    )
    return model


_loaded: dict[str, TicketClassifier] = {}


def get_default_classifier() -> TicketClassifier:
    """The default model, trained from the generator on first use if no usable file exists.

    A file written by another scikit-learn version is retrained rather than trusted.
    """
    path = default_model_path()
    key = str(path)
    if key in _loaded:
        return _loaded[key]
    model: TicketClassifier | None = None
    if path.is_file():
        try:
            model = TicketClassifier.load(path)
        except DataFileError:
            logger.warning("hotline_default_model_unreadable path=%s", path)
        if model is not None and model.meta.get("sklearn") != sklearn.__version__:
            model = None
    if model is None:
        model = train_default(path)
    _loaded[key] = model
    return model


def evaluate(model: TicketClassifier, texts: Iterable[str], labels: Iterable[str]) -> dict:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    texts, truth = list(texts), [str(label) for label in labels]
    predicted = model.predict(texts)
    classes = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0
    )
    per_class = {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(classes)
    }
    return {
        "per_class": per_class,
        "macro_f1": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(truth, predicted)),
        "rows": len(truth),
        "unknown_labels": sorted(set(truth) - set(model.labels)),
    }


def forget_loaded() -> None:
    """Drop cached models, so the next use reads the file just written."""
    _loaded.clear()
