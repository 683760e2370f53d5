"""Reading labelled tickets from the spreadsheets people actually export.

Accepted: Excel workbooks (.xlsx/.xlsm, any sheet) and delimited text (comma, tab,
semicolon or bar) in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (which
covers GBK and GB2312). The kind of file is told by its first bytes, not its name, since
exports often arrive as .txt or without an extension. The header row may sit below a title
line or two. Every problem is reported in Chinese, naming the file, row or column.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Exported tickets can carry whole case files in one cell; csv's default cap is 128 KB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
# How far down a sheet the header row is looked for.
HEADER_SEARCH_ROWS = 10
_NULLS = {"nan", "none", "null", "n/a", "#n/a"}
_INTEGRAL = re.compile(r"[+-]?\d+\.0+")


class DataFileError(Exception):
    """A training or evaluation file that cannot be read as asked; the message is Chinese."""


@dataclass
class Dataset:
    texts: list[str]
    labels: list[str]
    skipped_rows: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    text = str(value).strip()
    return "" if text.lower() in _NULLS else text


def label_text(value: Any) -> str:
    """Labels may be numbers or names; 1, 1.0 and "1.0" are one label."""
    if isinstance(value, float) and not math.isnan(value) and value.is_integer():
        return str(int(value))
    text = cell_text(value)
    if _INTEGRAL.fullmatch(text):
        return str(int(float(text)))
    return text


# --- reading sheets -------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataFileError(f"无法识别文件 {name} 的编码，请另存为 UTF-8 或 GBK 编码的 CSV。")


def _csv_sheet(raw: bytes, name: str) -> list[list[Any]]:
    text = _decode(raw, name).replace("\x00", "")
    # The delimiter is read off the header line (the first of the opening lines that has
    # one): sniffing whole rows of free text (commas, quotes, tabs inside messages)
    # guesses wrong.
    opening = text[:8192].split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    header = next((line for line in opening if any(d in line for d in ",\t;|")), "")
    delimiter = max(",\t;|", key=header.count) if header else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise DataFileError(f"文件 {name} 不是有效的 CSV：{exc}") from exc


def _xlsx_sheets(path: Path) -> Iterator[list[list[Any]]]:
    from openpyxl import load_workbook

    # Opened as a stream: given a path, openpyxl refuses names not ending in .xlsx.
    with path.open("rb") as stream:
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise DataFileError(f"无法打开 Excel 文件 {path.name}：{exc}") from exc
        try:
            for sheet in workbook.worksheets:
                yield [list(row) for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()


def read_sheets(path: str | Path) -> Iterator[list[list[Any]]]:
    """Each sheet of the file as rows of cells; a text file has one sheet."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"找不到文件：{path}")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == ZIP_MAGIC:
        yield from _xlsx_sheets(path)
    elif magic == OLE_MAGIC:
        raise DataFileError(
            f"{path.name} 是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV。"
        )
    else:
        yield _csv_sheet(path.read_bytes(), path.name)


def read_rows(path: str | Path) -> list[list[Any]]:
    """The first sheet's rows."""
    return next(iter(read_sheets(path)), [])


# --- finding the columns --------------------------------------------------------------


def _column_index(header: Sequence[str], name: str) -> int | None:
    if name in header:
        return header.index(name)
    folded = [h.strip().lower() for h in header]
    wanted = name.strip().lower()
    return folded.index(wanted) if wanted in folded else None


def _find_header(rows: list[list[Any]], text_column: str, label_column: str) -> tuple | None:
    """(header row number, text index, label index), or None if the sheet lacks them."""
    for at, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        header = [cell_text(h) for h in row]
        text_at = _column_index(header, text_column)
        label_at = _column_index(header, label_column)
        if text_at is not None and label_at is not None:
            return at, text_at, label_at
    return None


def _missing_columns_error(rows: list[list[Any]], text_column: str, label_column: str) -> str:
    header = [cell_text(h) for h in rows[0]] if rows else []
    missing = [
        f"{role}列“{name}”"
        for role, name in (("文本", text_column), ("标签", label_column))
        if _column_index(header, name) is None
    ]
    available = "、".join(f"“{h}”" for h in header if h) or "（无）"
    return f"文件中没有{'、'.join(missing)}。可用的列：{available}"


def load_dataset(path: str | Path, text_column: str, label_column: str) -> Dataset:
    """Read texts and labels; rows with empty text or label are skipped and counted."""
    first: list[list[Any]] | None = None
    for rows in read_sheets(path):
        first = rows if first is None else first
        found = _find_header(rows, text_column, label_column)
        if found is not None:
            break
    else:
        if not first or not any(cell_text(v) for row in first for v in row):
            raise DataFileError("文件为空。")
        raise DataFileError(_missing_columns_error(first, text_column, label_column))

    header_at, text_at, label_at = found
    data = Dataset(texts=[], labels=[])
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(cell_text(v) for v in row):
            continue
        text = cell_text(row[text_at]) if text_at < len(row) else ""
        label = label_text(row[label_at]) if label_at < len(row) else ""
        if not text or not label:
            data.skipped_rows.append(number)
            continue
        data.texts.append(text)
        data.labels.append(label)
    if not data.texts:
        raise DataFileError("文件中没有可用的数据行（文本或标签全部为空）。")
    return data
