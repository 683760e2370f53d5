from typing import Any

from django.core.management.base import BaseCommand

from govsvc.cases.services import flag_deadlines


class Command(BaseCommand):
    help = "Flag sub-cases near or past their limit (working days); safe to run repeatedly."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = flag_deadlines()
        self.stdout.write(f"临期提醒 {counts['warned']} 件，超期标记 {counts['overdue']} 件")
