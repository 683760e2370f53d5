from typing import Any

from django.core.management.base import BaseCommand

from govsvc.accounts.demo import DEMO_PASSWORD
from govsvc.hotline.demo import create_demo


class Command(BaseCommand):
    help = "Create (or keep) a few 12345 demo tickets at different stages and print them."

    def handle(self, *args: Any, **options: Any) -> None:
        for ticket in create_demo():
            where = f" → {ticket.department.short_name}" if ticket.department else ""
            self.stdout.write(f"  {ticket.number}  {ticket.get_status_display()}{where}")
        self.stdout.write(
            f"12345 账号 agent（话务员）、supervisor（督办）、urban01（江岸区城管执法局），"
            f"密码 {DEMO_PASSWORD}: /hotline/tickets/  /hotline/dashboard/"
        )
