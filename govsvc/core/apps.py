from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "govsvc.core"
    label = "core"
    verbose_name = "审计"
