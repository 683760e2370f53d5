from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govsvc.catalog.models import ServiceItem
from govsvc.catalog.services import deviations


class Command(BaseCommand):
    help = "List every implementation item whose standard elements differ from its base item."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fail", action="store_true", help="exit 1 when any deviation exists")

    def handle(self, *args: Any, **options: Any) -> None:
        items = ServiceItem.objects.filter(base__isnull=False).select_related(
            "base", "department", "region", "base__department", "base__region"
        )
        found = [d for item in items for d in deviations(item)]
        for deviation in found:
            self.stdout.write(str(deviation))
        self.stdout.write(f"共 {len(found)} 处与基本目录不一致")
        if found and options["fail"]:
            raise SystemExit(1)
