"""The ticket classifier: proposes a matter category for a citizen's message.

A linear model over three TF-IDF views of the text: jieba words (1-2 grams), and
character 1-3 and 2-4 grams. Character grams carry the model where jieba splits a rare
place or product name badly; word bigrams carry short phrases such as 拖欠 工资. The
regularisation strength is chosen by a quick cross-validation on the training file.

Text may arrive raw or already split into words by spaces (the way many published
corpora ship it); split text is taken as it is and not segmented a second time.

The model is stored with joblib. A joblib file is code: load only files this platform
wrote itself (the default model under var/, or one an administrator trained).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jieba
import joblib
import numpy as np
import sklearn
from django.conf import settings
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

FORMAT_VERSION = 1
C_GRID = (0.15, 0.35, 0.7)
# Above this many rows the C search runs on a stratified sample, so training on a large
# file stays within the one-minute budget; the final model still sees every row.
CV_SAMPLE_LIMIT = 8000


class DataFileError(Exception):
    """A training or evaluation file that cannot be read as asked; the message is Chinese."""


# --- text preparation ---------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Words of a message: its own spaces if it has any, otherwise jieba's segmentation."""
    text = text.strip()
    if " " in text or "\t" in text:
        return text.split()
    return [w for w in jieba.lcut(text) if w.strip()]


def squeeze(text: str) -> str:
    """The message without spaces, for character grams."""
    return "".join(text.split())


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


def build_pipeline(c: float = 0.5) -> Pipeline:
    features = FeatureUnion(
        [
            ("words", _word_view()),
            ("chars13", _char_view(1, 3)),
            ("chars24", _char_view(2, 4)),
        ]
    )
    model = LinearSVC(C=c, class_weight="balanced")
    return Pipeline([("features", features), ("model", model)])


# --- training data ---------------------------------------------------------------------


@dataclass
class Dataset:
    texts: list[str]
    labels: list[str]
    skipped_rows: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def _label_text(value: Any) -> str:
    """Labels may be numbers (1, 1.0) or names; 1 and 1.0 are the same label."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    if text.lower() in {"nan", "none", "null"}:
        return ""
    return text


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = str(value).strip()
    return "" if text.lower() in {"nan", "none", "null"} else text


def _read_csv_rows(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:4096]
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        except csv.Error:
            dialect = csv.excel
        return list(csv.reader(io.StringIO(text), dialect))
    raise DataFileError(f"无法识别文件 {path.name} 的编码，请保存为 UTF-8 或 GBK 编码的 CSV。")


def _read_xlsx_rows(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DataFileError(f"无法打开 Excel 文件 {path.name}：{exc}") from exc
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def read_rows(path: str | Path) -> list[list[Any]]:
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx_rows(path)
    if suffix in {".csv", ".tsv", ".txt"}:
        return _read_csv_rows(path)
    raise DataFileError(f"不支持的文件类型 {suffix or '（无扩展名）'}，请使用 .xlsx 或 .csv 文件。")


def _column_index(header: Sequence[str], name: str, role: str) -> int:
    if name in header:
        return header.index(name)
    folded = [h.strip().lower() for h in header]
    if name.strip().lower() in folded:
        return folded.index(name.strip().lower())
    available = "、".join(f"“{h}”" for h in header if h) or "（无）"
    raise DataFileError(f"文件中没有{role}列“{name}”。可用的列：{available}")


def load_dataset(path: str | Path, text_column: str, label_column: str) -> Dataset:
    """Read texts and labels; rows with empty text or label are skipped and counted."""
    rows = read_rows(path)
    if not rows:
        raise DataFileError("文件为空。")
    header = [_cell_text(h) for h in rows[0]]
    text_at = _column_index(header, text_column, "文本")
    label_at = _column_index(header, label_column, "标签")

    data = Dataset(texts=[], labels=[])
    for number, row in enumerate(rows[1:], start=2):
        if not any(_cell_text(v) for v in row):
            continue
        text = _cell_text(row[text_at]) if text_at < len(row) else ""
        label = _label_text(row[label_at]) if label_at < len(row) else ""
        if not text or not label:
            data.skipped_rows.append(number)
            continue
        data.texts.append(text)
        data.labels.append(label)
    if not data.texts:
        raise DataFileError("文件中没有可用的数据行（文本或标签全部为空）。")
    return data


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

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        scores = self.pipeline.decision_function(list(texts))
        if scores.ndim == 1:  # two classes: one margin, positive means classes_[1]
            scores = np.column_stack([-scores, scores])
        return np.asarray(scores)

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]

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
        joblib.dump({"pipeline": self.pipeline, "meta": self.meta}, temp_name, compress=3)
        os.replace(temp_name, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TicketClassifier:
        path = Path(path)
        if not path.is_file():
            raise DataFileError(f"找不到模型文件：{path}")
        try:
            stored = joblib.load(path)
            pipeline, meta = stored["pipeline"], stored["meta"]
        except Exception as exc:  # a foreign or damaged file
            raise DataFileError(f"无法读取模型文件 {path.name}：{exc}") from exc
        return cls(pipeline, meta=meta)


@dataclass
class TrainingReport:
    rows: int
    classes: int
    chosen_c: float
    cv_macro_f1: float | None
    seconds: float
    class_counts: dict[str, int]


def _choose_c(texts: list[str], labels: list[str], seed: int) -> tuple[float, float | None]:
    """Pick C by 3-fold cross-validation of the linear model.

    The features are fitted once on the whole sample rather than per fold: the only leak
    is document frequencies, which barely moves the ranking of C, and it keeps a
    10,000-row file well inside the one-minute training budget.
    """
    counts = Counter(labels)
    folds = min(3, min(counts.values()))
    if folds < 2 or len(counts) < 2:
        return 0.5, None

    x, y = texts, np.array(labels)
    if len(x) > CV_SAMPLE_LIMIT:
        rng = np.random.default_rng(seed)
        keep = rng.choice(len(x), CV_SAMPLE_LIMIT, replace=False)
        x, y = [x[i] for i in keep], y[keep]
        if min(Counter(y.tolist()).values()) < folds:
            return 0.5, None

    matrix = build_pipeline().named_steps["features"].fit_transform(x)
    scores: dict[float, list[float]] = {c: [] for c in C_GRID}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_at, test_at in splitter.split(np.zeros(len(y)), y):
        for c in C_GRID:
            model = LinearSVC(C=c, class_weight="balanced").fit(matrix[train_at], y[train_at])
            predicted = model.predict(matrix[test_at])
            scores[c].append(f1_score(y[test_at], predicted, average="macro"))
    means = {c: float(np.mean(v)) for c, v in scores.items()}
    best = max(means, key=lambda c: (round(means[c], 4), -abs(math.log(c / 0.5))))
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
    chosen_c, cv_f1 = _choose_c(prepared, labels, seed) if tune else (0.5, None)
    pipeline = build_pipeline(chosen_c).fit(prepared, labels)

    seconds = time.perf_counter() - started
    meta = {
        "format": FORMAT_VERSION,
        "sklearn": sklearn.__version__,
        "c": chosen_c,
        "rows": len(texts),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    report = TrainingReport(len(texts), len(counts), chosen_c, cv_f1, seconds, dict(counts))
    return TicketClassifier(pipeline, meta=meta), report


# --- the default model ---------------------------------------------------------------------


def default_model_path() -> Path:
    configured = getattr(settings, "HOTLINE_MODEL_PATH", "")
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "hotline" / "default_model.joblib"


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
        if model is not None and (
            model.meta.get("sklearn") != sklearn.__version__
            or model.meta.get("format") != FORMAT_VERSION
        ):
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
