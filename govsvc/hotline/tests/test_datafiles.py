"""Training files as people export them: encodings, sheets, title rows, odd labels."""

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from govsvc.hotline.datafiles import DataFileError, load_dataset


def write_text(path: Path, rows: list[list[str]], encoding: str, delimiter: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def test_it_reads_utf16_tab_separated_text_as_excel_saves_it(tmp_path):
    path = write_text(
        tmp_path / "export.txt", [["内容", "类别"], ["路灯坏了，晚上很黑", "城管"]], "utf-16", "\t"
    )
    data = load_dataset(path, "内容", "类别")
    assert data.texts == ["路灯坏了，晚上很黑"] and data.labels == ["城管"]


def test_it_reads_gb18030_whatever_the_file_is_called(tmp_path):
    path = write_text(tmp_path / "工单", [["内容", "类别"], ["䶮字也能读", "1"]], "gb18030")
    assert load_dataset(path, "内容", "类别").texts == ["䶮字也能读"]


def test_it_tells_a_workbook_by_its_content_not_its_name(tmp_path):
    book = Workbook()
    book.active.append(["内容", "类别"])
    book.active.append(["停水了", "水电气"])
    book.save(tmp_path / "tickets.dat")
    assert load_dataset(tmp_path / "tickets.dat", "内容", "类别").labels == ["水电气"]


def test_it_finds_the_header_below_a_title_and_on_a_later_sheet(tmp_path):
    book = Workbook()
    book.active.append(["说明：本表为样例"])
    sheet = book.create_sheet("工单")
    sheet.append(["2025年工单导出"])
    sheet.append([None])
    sheet.append(["编号", "诉求内容", "一级分类"])
    sheet.append([1, "拖欠工资三个月", "劳动"])
    book.save(tmp_path / "t.xlsx")

    data = load_dataset(tmp_path / "t.xlsx", "诉求内容", "一级分类")

    assert data.texts == ["拖欠工资三个月"] and data.labels == ["劳动"]


def test_numeric_labels_written_as_text_or_numbers_are_one_label(tmp_path):
    path = write_text(
        tmp_path / "t.csv", [["t", "l"], ["甲", "1.0"], ["乙", "1"], ["丙", "2.50"]], "utf-8"
    )
    assert load_dataset(path, "t", "l").labels == ["1", "1", "2.50"]


def test_a_very_long_cell_and_stray_nul_bytes_are_read(tmp_path):
    long_text = "噪音扰民" * 50_000
    path = tmp_path / "t.csv"
    path.write_bytes(f"t,l\n{long_text},环境\n\x00路灯,城管\n".encode())
    data = load_dataset(path, "t", "l")
    assert data.texts == [long_text, "路灯"]


def test_old_excel_files_are_refused_with_advice(tmp_path):
    path = tmp_path / "t.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(DataFileError, match="另存为"):
        load_dataset(path, "t", "l")


def test_a_missing_column_is_named_with_the_columns_there_are(tmp_path):
    path = write_text(tmp_path / "t.csv", [["内容", "类别"], ["路灯坏了", "城管"]], "utf-8")
    with pytest.raises(DataFileError) as error:
        load_dataset(path, "内容", "标签")
    assert "标签列“标签”" in str(error.value) and "“类别”" in str(error.value)
    assert "文本列" not in str(error.value)


def test_an_empty_file_says_so(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"")
    with pytest.raises(DataFileError, match="文件为空"):
        load_dataset(path, "t", "l")
