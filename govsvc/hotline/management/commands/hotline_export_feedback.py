"""Write the agents' confirmed categories as a training file for hotline_train."""

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govsvc.hotline.models import ClassifierFeedback


class Command(BaseCommand):
    help = "导出话务员确认或纠正的分类（CSV，text 与 label 两列可直接用于 hotline_train）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输出的 CSV 文件")
        parser.add_argument("--corrected-only", action="store_true", help="只导出被纠正的")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = ClassifierFeedback.objects.order_by("id")
        if options["corrected_only"]:
            rows = rows.filter(corrected=True)
        count = 0
        with open(options["file"], "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label", "proposed", "corrected"])
            for row in rows.iterator():
                writer.writerow([row.text, row.chosen, row.proposed, int(row.corrected)])
                count += 1
        self.stdout.write(f"已导出 {count} 条到 {options['file']}")
