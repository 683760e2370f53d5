from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "govsvc.portal"
    label = "portal"
    verbose_name = "门户"
