"""Write generated citizen messages to a CSV file, for training or trying the commands."""

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govsvc.hotline.generator import generate_messages


class Command(BaseCommand):
    help = "生成模拟市民诉求（CSV，列：text,label,district,street），用于训练和演示。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="输出的 CSV 文件")
        parser.add_argument("--per-class", type=int, default=400, help="每类条数")
        parser.add_argument("--seed", type=int, default=1, help="随机种子")

    def handle(self, *args: Any, **options: Any) -> None:
        messages = generate_messages(options["per_class"], seed=options["seed"])
        with open(options["file"], "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label", "district", "street"])
            for m in messages:
                writer.writerow([m.text, m.category, m.district, m.street])
        self.stdout.write(f"已写入 {len(messages)} 条到 {options['file']}")
