"""(Re)train the default classifier from the committed message generator."""

from typing import Any

from django.core.management.base import BaseCommand

from govsvc.hotline import classifier


class Command(BaseCommand):
    help = "用内置的模拟诉求生成器重新训练默认分类模型（部署时运行一次即可）。"

    def handle(self, *args: Any, **options: Any) -> None:
        model = classifier.train_default()
        classifier.forget_loaded()
        path = classifier.default_model_path()
        rows, classes = model.meta["rows"], len(model.labels)
        self.stdout.write(f"默认模型已保存到 {path}（{rows} 条，{classes} 类）")
