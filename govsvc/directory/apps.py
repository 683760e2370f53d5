from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "govsvc.directory"
    label = "directory"
    verbose_name = "机构与区划"
