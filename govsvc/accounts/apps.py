from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "govsvc.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from govsvc.accounts import auth

        auth.connect()
