from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govsvc.catalog.importing import HEADERS, CatalogImporter, ImportFileError


class Command(BaseCommand):
    help = "Import service items from an Excel (.xlsx) or CSV export; columns by Chinese header."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--show-headers", action="store_true", help="list accepted headers")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["show_headers"]:
            for field, names in HEADERS.items():
                self.stdout.write(f"{field}: {'、'.join(names)}")
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"文件不存在: {path}")
        try:
            report = CatalogImporter().run(path)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for name in report.unknown_columns:
            self.stdout.write(f"未识别的列（已跳过）: {name}")
        for dept in report.new_departments:
            self.stdout.write(f"新增部门（请在后台核对）: {dept}")
        for warning in report.warnings:
            self.stdout.write(f"提示 {warning}")
        for error in report.errors:
            self.stdout.write(f"错误 {error}")
        self.stdout.write(
            f"导入完成: 新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}，"
            f"出错 {len({e.row for e in report.errors})} 行"
        )
