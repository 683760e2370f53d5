import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govsvc.evaluations import tick


class Command(BaseCommand):
    help = "Escalate overdue rectifications and 办不成事 requests (idempotent; run periodically)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="YYYY-MM-DD, for replays")

    def handle(self, *args: Any, **options: Any) -> None:
        result = tick.run(options.get("today"))
        self.stdout.write(
            f"整改督办 {result.rectifications_escalated} 件，"
            f"办不成事提级 {result.desk_escalated} 件"
        )
