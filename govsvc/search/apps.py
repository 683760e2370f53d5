from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "govsvc.search"
    label = "search"
    verbose_name = "搜索"
