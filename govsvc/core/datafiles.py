"""Read the reviewable data files under data/ and report errors by file and line."""

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml


class DataFileError(Exception):
    """A data file does not say what the loader needs; the message names file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


LINE_KEY = "__line__"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line each mapping starts on."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DataFileError(path, line, f"YAML 语法错误: {exc.problem}") from exc


def line_of(mapping: Any) -> int | None:
    return mapping.get(LINE_KEY) if isinstance(mapping, dict) else None


def require(mapping: dict[str, Any], key: str, path: Path, kind: type | tuple[type, ...]) -> Any:
    if key not in mapping or mapping[key] in (None, ""):
        raise DataFileError(path, line_of(mapping), f"缺少必填字段 {key}")
    value = mapping[key]
    if not isinstance(value, kind):
        raise DataFileError(path, line_of(mapping), f"字段 {key} 的类型不对: {value!r}")
    return value


def read_csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with their line numbers (the header is line 1)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            yield reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}
