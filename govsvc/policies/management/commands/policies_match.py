"""Match a profile file against a rule file and write every (entity_id, policy_code) pair."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govsvc.policies.batch import BatchError, load_rules, match_files


class Command(BaseCommand):
    help = "批量匹配：画像文件（Parquet/CSV）× 规则文件（YAML）→ 匹配结果（Parquet/CSV）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--profiles", required=True, type=Path, help="画像文件，含 entity_id 列"
        )
        parser.add_argument("--rules", required=True, type=Path, help="YAML 列表：{code, rule}")
        parser.add_argument("--out", required=True, type=Path, help="输出文件，.parquet 或 .csv")
        parser.add_argument("--threads", type=int, default=None, help="DuckDB 线程数")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            rules = load_rules(options["rules"])
            stats = match_files(
                options["profiles"], rules, options["out"], threads=options["threads"]
            )
        except BatchError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"已匹配 {stats.profiles} 条画像 × {stats.policies} 项政策，"
            f"得到 {stats.pairs} 条结果，用时 {elapsed:.2f} 秒 → {options['out']}"
        )
