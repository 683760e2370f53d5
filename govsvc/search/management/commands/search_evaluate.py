from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from govsvc.search.evaluation import evaluate, load_queries

DEFAULT = Path(settings.BASE_DIR) / "govsvc" / "search" / "tests" / "search_queries.yaml"


class Command(BaseCommand):
    help = "Report top-1/top-3 of the search over a YAML list of {q, bundle} queries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(DEFAULT))
        parser.add_argument("--misses", action="store_true", help="print the queries it missed")

    def handle(self, *args: Any, **options: Any) -> None:
        result = evaluate(load_queries(Path(options["file"])))
        if options["misses"]:
            for query, expected, got in result.misses:
                self.stdout.write(f"MISS {query!r}: expected {expected}, got {got}")
        self.stdout.write(result.summary())
