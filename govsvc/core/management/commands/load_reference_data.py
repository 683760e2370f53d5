from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from govsvc.bundles.loading import load_bundle_file
from govsvc.catalog.loading import load_item_file
from govsvc.core.datafiles import DataFileError
from govsvc.directory.loading import (
    DepartmentResolver,
    load_departments,
    load_halls,
    load_regions,
)
from govsvc.directory.models import Region
from govsvc.hotline.loading import load_dispatch_rules
from govsvc.supervision.loading import load_scenarios


class Command(BaseCommand):
    help = (
        "Load regions, departments, halls, catalog items, bundles, scenarios and the 12345"
        " dispatch catalogue from data/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", default=str(Path(settings.BASE_DIR) / "data"))

    def handle(self, *args: Any, **options: Any) -> None:
        data = Path(options["data_dir"])
        try:
            self._load(data)
        except DataFileError as exc:
            raise CommandError(str(exc)) from exc

    def _load(self, data: Path) -> None:
        say = self.stdout.write
        say(f"区划: {load_regions(data / 'directory' / 'regions.csv')}")
        say(f"部门: {load_departments(data / 'directory' / 'departments.yaml')}")
        halls = data / "directory" / "halls.yaml"
        if halls.exists():
            say(f"服务中心: {load_halls(halls)}")
        resolver = DepartmentResolver()
        city = Region.objects.get(level="city", parent__isnull=True)
        items = versions = 0
        for path in sorted((data / "catalog" / "items").glob("*.yaml")):
            counts = load_item_file(path, resolver, city)
            items += counts["items"]
            versions += counts["new_versions"]
        say(f"事项: {items} 个（新版本 {versions} 个）")
        changed = sum(
            load_bundle_file(path, resolver) for path in sorted((data / "bundles").glob("*.yaml"))
        )
        say(f"一件事: 变更 {changed} 个")
        scenarios = data / "supervision" / "scenarios.yaml"
        if scenarios.exists():
            say(f"审管联动场景: {load_scenarios(scenarios)} 个")
        dispatch = data / "hotline" / "dispatch.yaml"
        if dispatch.exists():
            say(f"12345 派单目录: {load_dispatch_rules(dispatch, resolver)}")
