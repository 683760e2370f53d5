from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govsvc.catalog.importing import export_catalog
from govsvc.catalog.models import ServiceItem


class Command(BaseCommand):
    help = "Export implementation items to .xlsx or .csv with the provincial Chinese headers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        items = (
            ServiceItem.objects.filter(base__isnull=False)
            .select_related("department")
            .prefetch_related("materials")
            .order_by("implementation_code")
        )
        count = export_catalog(Path(options["file"]), items)
        self.stdout.write(f"已导出 {count} 个事项到 {options['file']}")
