from typing import Any

from django.core.management.base import BaseCommand

from govsvc.accounts.demo import DEMO_PASSWORD
from govsvc.evaluations.demo import SUPERVISOR, create_demo


class Command(BaseCommand):
    help = "Create (or keep) demo acts and ratings for 好差评 and print their rating links."

    def handle(self, *args: Any, **options: Any) -> None:
        for act in create_demo():
            state = "已评价" if act.rated else "待评价"
            self.stdout.write(f"  {act.reference}  {state}  {act.rate_path}")
        self.stdout.write(f"督办账号 {SUPERVISOR}（密码 {DEMO_PASSWORD}）: /evaluations/staff/")
        self.stdout.write("公示页面: /evaluations/stats/")
