"""One pass of reminders, overdue supervision, burst detection and unsent caller SMS;
safe to repeat."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govsvc.hotline.tick import run_tick


class Command(BaseCommand):
    help = "执行一次 12345 工单巡检：到期提醒、超期督办、聚集预警（可重复执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-detect", action="store_true", help="不做聚集预警检测")

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_tick(detect=not options["no_detect"])
        self.stdout.write(
            f"提醒 {len(report.reminded)} 件，督办 {len(report.supervised)} 件，"
            f"新预警 {len(report.alerts)} 条，补发短信 {report.messages_resent} 条"
        )
        summary = {
            "reminded": len(report.reminded),
            "supervised": len(report.supervised),
            "alerts": report.alerts,
            "messages_resent": report.messages_resent,
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
