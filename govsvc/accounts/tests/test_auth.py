"""Bearer tokens for API clients, local login, and OIDC switched on by settings."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_issue_token_prints_a_working_bearer_token() -> None:
    User.objects.create_user("clerk-a", password="pw-clerk-a1")
    out = StringIO()
    call_command("issue_token", "clerk-a", stdout=out)
    token = out.getvalue().strip()
    response = Client().get("/api/v1/notifications/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert (
        Client().get("/api/v1/notifications/", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    )


def test_issue_token_for_an_unknown_account_fails_clearly() -> None:
    with pytest.raises(CommandError, match="没有用户名"):
        call_command("issue_token", "nobody-here")


def test_login_page_speaks_chinese_and_rejects_bad_passwords() -> None:
    User.objects.create_user("clerk-b", password="pw-clerk-b1")
    page = Client().post("/accounts/login/", {"username": "clerk-b", "password": "wrong"})
    assert page.status_code == 200
    assert "用户名或密码不正确" in page.content.decode()


def test_oidc_login_is_enabled_by_settings() -> None:
    env = {
        **os.environ,
        "OIDC_RP_CLIENT_ID": "govsvc",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.cn/auth",
        "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.cn/token",
        "OIDC_OP_USER_ENDPOINT": "https://idp.example.cn/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.cn/jwks",
    }
    code = "from django.urls import reverse; print(reverse('oidc_authentication_init'))"
    out = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "shell", "-c", code],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip().endswith("/oidc/authenticate/")
