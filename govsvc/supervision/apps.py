from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "govsvc.supervision"
    label = "supervision"
    verbose_name = "审管联动"
