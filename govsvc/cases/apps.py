from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "govsvc.cases"
    label = "cases"
    verbose_name = "办件"
