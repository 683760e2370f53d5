"""catalog_import: provincial exports with Chinese headers, bad rows, reruns."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from govsvc.catalog.importing import CatalogImporter, ImportFileError, parse_days, split_list
from govsvc.catalog.models import ItemVersion, ServiceItem

pytestmark = pytest.mark.django_db

HEADER = [
    "序号", "事项名称", "基本编码", "实施编码", "事项类型", "实施主体", "服务对象", "受理条件",
    "申请材料", "办理流程", "法定办结时限", "承诺办结时限", "办理地点", "咨询电话", "是否收费",
    "备注（内部）",
]  # fmt: skip
GOOD = [
    "1", "城镇污水排入排水管网许可", "000110002000", "11420100MB0000001A4000110002000", "行政许可",
    "武汉市江岸区测试局", "企业法人、其他组织", "排水户符合排水标准", "1.排水许可申请表；2.营业执照",
    "申请\n受理\n审查\n决定", "20个工作日", "5个工作日", "江岸区政务服务中心", "027-12345", "否", "x",
]  # fmt: skip


def _row(**changes: str) -> list[str]:
    row = list(GOOD)
    for column, value in changes.items():
        row[HEADER.index(column)] = value
    return row


def _write_csv(path: Path, rows: list[list[str]], title: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        if title:
            writer.writerow(["湖北省政务服务事项实施清单导出"])
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_it_lands_good_rows_and_reports_bad_ones_by_row_and_column(tmp_path: Path) -> None:
    rows = [
        GOOD,
        _row(事项名称="", 实施编码="11420100MB0000001A4000110003000", 基本编码="000110003000"),
        _row(
            事项类型="不存在的类型",
            实施编码="11420100MB0000001A4000110004000",
            基本编码="000110004000",
        ),
        _row(实施编码="123", 基本编码=""),
        _row(
            事项名称="门前三包责任书签订",
            实施编码="11420100MB0000001A4002000005000",
            基本编码="",
            事项类型="21",
        ),
    ]
    report = CatalogImporter().run(_write_csv(tmp_path / "export.csv", rows))

    assert report.created == 2
    assert {(e.row, e.column) for e in report.errors} == {
        (4, "事项名称"),
        (5, "事项类型"),
        (6, "实施编码"),
        (6, "基本编码"),
    }
    assert report.unknown_columns == ["序号", "备注"]
    item = ServiceItem.objects.get(implementation_code="11420100MB0000001A4000110002000")
    assert item.level == "district"
    assert item.statutory_days == 20 and item.promised_days == 5
    assert [m.name for m in item.materials.all()] == ["排水许可申请表", "营业执照"]
    assert item.steps == ["申请", "受理", "审查", "决定"]
    assert item.objects_served == ["企业法人", "其他组织"]
    derived = ServiceItem.objects.get(implementation_code="11420100MB0000001A4002000005000")
    assert derived.basic_code == "002000005000"
    assert derived.item_type == "20"
    assert "武汉市江岸区测试局" in report.new_departments


def test_it_changes_nothing_when_the_same_file_is_imported_twice(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "export.csv", [GOOD])
    CatalogImporter().run(path)
    versions = ItemVersion.objects.count()

    second = CatalogImporter().run(path)

    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    assert ItemVersion.objects.count() == versions


def test_it_writes_a_new_version_when_an_element_changes(tmp_path: Path) -> None:
    CatalogImporter().run(_write_csv(tmp_path / "a.csv", [GOOD]))
    report = CatalogImporter().run(_write_csv(tmp_path / "b.csv", [_row(承诺办结时限="3个工作日")]))

    item = ServiceItem.objects.get(implementation_code="11420100MB0000001A4000110002000")
    assert report.updated == 1
    assert item.version == 2
    assert [v.elements["promised_days"] for v in item.versions.order_by("version")] == [5, 3]


def test_it_reads_excel_with_a_title_row(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["某省事项目录"])
    sheet.append(HEADER)
    sheet.append(GOOD)
    path = tmp_path / "export.xlsx"
    book.save(path)

    report = CatalogImporter().run(path)

    assert report.created == 1 and not report.errors


def test_it_maps_provincial_type_codes_20_and_21() -> None:
    from govsvc.catalog.importing import parse_type

    assert parse_type("21", uses_21=True) == "20"
    assert parse_type("20", uses_21=True) == "10"
    assert parse_type("20", uses_21=False) == "20"
    assert parse_type("1", uses_21=False) == "01"
    assert parse_type("行政给付", uses_21=False) == "05"


def test_it_refuses_a_file_without_a_header_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="表头"):
        CatalogImporter().run(path)


def test_it_reads_gbk_encoded_csv(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    buffer = StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow(GOOD)
    path.write_bytes(buffer.getvalue().encode("gb18030"))
    assert CatalogImporter().run(path).created == 1


def test_the_command_prints_the_report(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "export.csv", [GOOD, _row(事项名称="")])
    out = StringIO()
    call_command("catalog_import", str(path), stdout=out)
    text = out.getvalue()
    assert "未识别的列（已跳过）: 序号" in text
    assert "第 4 行「事项名称」列" in text
    assert "新增 1" in text


def test_export_then_import_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "all.xlsx"
    call_command("catalog_export", str(path), stdout=StringIO())
    report = CatalogImporter().run(path)
    assert not report.errors
    assert report.created == 0 and report.updated == 0
    assert report.unchanged == ServiceItem.objects.filter(base__isnull=False).count()


def test_parsers() -> None:
    assert parse_days("20个工作日") == 20
    assert parse_days("即办") == 0
    assert parse_days("无") is None
    assert split_list("1.身份证；2.户口簿\n3、照片") == ["身份证", "户口簿", "照片"]


def test_it_accepts_dashed_provincial_codes_and_basic_codes_in_the_code_column(
    tmp_path: Path,
) -> None:
    credit = "11511301008778183N"
    rows = [
        _row(
            实施编码=f"511Z07001006-511602000000-000-{credit}-1-00",
            基本编码="",
            实施主体="某区经信局",
        ),
        _row(实施编码="000110009000", 基本编码="", 事项名称="排水许可变更"),
    ]
    report = CatalogImporter().run(_write_csv(tmp_path / "dashed.csv", rows))

    assert not report.errors, report.errors
    dashed = ServiceItem.objects.get(local_code__startswith="511Z07001006-")
    assert dashed.basic_code == "511Z07001006"
    assert dashed.implementation_code.startswith(dashed.department.code)
    assert ServiceItem.objects.filter(basic_code="000110009000", base__isnull=False).exists()


def test_it_finds_the_catalog_on_a_later_sheet(tmp_path: Path) -> None:
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.append(["说明：本文件由省一体化平台导出"])
    data = book.create_sheet("事项清单")
    data.append(HEADER)
    data.append(GOOD)
    path = tmp_path / "two-sheets.xlsx"
    book.save(path)
    assert CatalogImporter().run(path).created == 1


def test_a_row_the_database_refuses_is_reported_and_the_others_land(tmp_path: Path) -> None:
    rows = [
        _row(
            实施主体="某" * 300, 实施编码="11420100MB0000001A4000110006000", 基本编码="000110006000"
        ),
        _row(
            实施编码="11420100MB0000001A4000110007000", 基本编码="000110007000", 事项名称="正常事项"
        ),
    ]
    report = CatalogImporter().run(_write_csv(tmp_path / "long.csv", rows))
    assert ServiceItem.objects.filter(name="正常事项").exists()
    assert report.created >= 1
