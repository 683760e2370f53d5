from typing import Any

from django.core.management.base import BaseCommand

from govsvc.accounts.demo import DEMO_PASSWORD, create_demo_accounts


class Command(BaseCommand):
    help = "Create (or keep) the demo accounts and print them."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = create_demo_accounts()
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}，仅供本地演示）:")
        for account in accounts:
            dept = f" — {account.department}" if account.department else ""
            self.stdout.write(f"  {account.username:<12} {account.role}{dept}")
