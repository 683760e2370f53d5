"""Measure a ticket classifier on a labelled spreadsheet."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govsvc.hotline import classifier


class Command(BaseCommand):
    help = "在带标签的工单表格上评估分类模型，最后一行输出 JSON（macro_f1、accuracy）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="评估数据文件（.xlsx 或 .csv）")
        parser.add_argument("--text-column", required=True, help="诉求内容所在的列名")
        parser.add_argument("--label-column", required=True, help="分类标签所在的列名")
        parser.add_argument("--model", default="", help="模型文件；不给时使用平台默认模型")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = classifier.load_dataset(
                options["file"], options["text_column"], options["label_column"]
            )
            if options["model"]:
                model = classifier.TicketClassifier.load(options["model"])
            else:
                model = classifier.get_default_classifier()
        except classifier.DataFileError as exc:
            raise CommandError(str(exc)) from exc

        result = classifier.evaluate(model, data.texts, data.labels)

        if data.skipped_rows:
            self.stderr.write(f"跳过 {len(data.skipped_rows)} 行（文本或标签为空）")
        if result["unknown_labels"]:
            unknown = "、".join(result["unknown_labels"][:20])
            self.stderr.write(f"模型没有学过的标签：{unknown}")
        self.stdout.write(f"{'类别':<20} {'精确率':>8} {'召回率':>8} {'F1':>8} {'样本数':>8}")
        for label, row in result["per_class"].items():
            self.stdout.write(
                f"{label:<20} {row['precision']:>8.4f} {row['recall']:>8.4f} "
                f"{row['f1']:>8.4f} {row['support']:>8d}"
            )
        summary = {
            "macro_f1": round(result["macro_f1"], 4),
            "accuracy": round(result["accuracy"], 4),
            "rows": result["rows"],
            "skipped": len(data.skipped_rows),
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
