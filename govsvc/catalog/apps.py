from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "govsvc.catalog"
    label = "catalog"
    verbose_name = "事项清单"

    def ready(self) -> None:
        from govsvc.catalog import signals

        signals.connect()
