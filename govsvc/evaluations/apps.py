from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "govsvc.evaluations"
    label = "evaluations"
    verbose_name = "好差评"
