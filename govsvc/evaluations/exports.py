"""The published figures as an Excel workbook (openpyxl)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from govsvc.evaluations import stats
from govsvc.evaluations.levels import ORDER

HEADER = ["名称", "评价总数", *[level.label for level in ORDER], "满意率", "差评率", "满意度得分"]


def workbook(period: stats.Period, today: dt.date | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "概览"
    summary = stats.rectification_summary(period, today)
    total = stats.overall(period)
    sheet.append(["统计期间", period.label])
    sheet.append(["评价总数", total.total])
    sheet.append(["满意率", total.satisfied_rate])
    sheet.append(["满意度得分", total.score])
    sheet.append(["差评数", summary.bad])
    sheet.append(["申诉成立不计入", summary.set_aside])
    sheet.append(["应整改数", summary.due])
    sheet.append(["按期整改数", summary.on_time])
    sheet.append(["整改按期率", summary.on_time_rate])

    for by, label in stats.DIMENSIONS.items():
        page = book.create_sheet(f"按{label}")
        page.append(HEADER)
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in stats.satisfaction(by, period):
            counts = row.as_dict()["counts"]
            page.append(
                [
                    row.name,
                    row.total,
                    *[counts[level.value] for level in ORDER],
                    row.satisfied_rate,
                    row.bad_rate,
                    row.score,
                ]
            )
        page.column_dimensions["A"].width = 36

    out = BytesIO()
    book.save(out)
    return out.getvalue()
