"""Train the ticket classifier from a spreadsheet of past tickets."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govsvc.hotline import classifier


class Command(BaseCommand):
    help = "从历史工单表格（xlsx 或 csv）训练工单分类模型。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="训练数据文件（.xlsx 或 .csv，UTF-8/UTF-8-BOM/GBK）")
        parser.add_argument("--text-column", required=True, help="诉求内容所在的列名")
        parser.add_argument("--label-column", required=True, help="分类标签所在的列名")
        parser.add_argument(
            "--model-out",
            default="",
            help="模型保存路径；不给时覆盖平台默认模型",
        )
        parser.add_argument(
            "--no-tune", action="store_true", help="不做交叉验证选参（更快，精度略低）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = classifier.load_dataset(
                options["file"], options["text_column"], options["label_column"]
            )
            model, report = classifier.train(data.texts, data.labels, tune=not options["no_tune"])
        except classifier.DataFileError as exc:
            raise CommandError(str(exc)) from exc

        out = Path(options["model_out"]) if options["model_out"] else None
        model.meta["source"] = Path(options["file"]).name
        path = model.save(out or classifier.default_model_path())
        classifier.forget_loaded()

        if data.skipped_rows:
            shown = ", ".join(str(n) for n in data.skipped_rows[:20])
            more = " …" if len(data.skipped_rows) > 20 else ""
            self.stderr.write(
                f"跳过 {len(data.skipped_rows)} 行（文本或标签为空），行号：{shown}{more}"
            )
        self.stdout.write(
            f"训练完成：{report.rows} 条，{report.classes} 类，C={report.chosen_c}，"
            f"用时 {report.seconds:.1f} 秒，模型已保存到 {path}"
        )
        summary = {
            "rows": report.rows,
            "skipped": len(data.skipped_rows),
            "classes": report.classes,
            "c": report.chosen_c,
            "cv_macro_f1": report.cv_macro_f1,
            "seconds": round(report.seconds, 2),
            "model": str(path),
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
