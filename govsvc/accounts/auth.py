"""Bearer tokens for API clients, resolved with the caller's profile in one query.

Resolved tokens are kept in memory for ``API_TOKEN_CACHE_SECONDS`` (default 5): nearly every
API call authenticates, and the join of user, staff profile, department and applicant is the
costliest query of a status read. A deleted token or a changed user, profile or applicant
drops the entries at once in the process that made the change; other processes notice
within those seconds. 0 turns the cache off.
"""

import threading
import time
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

_resolved: dict[str, tuple[float, Any, Any]] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 10_000


class BearerTokenAuthentication(TokenAuthentication):
    """``Authorization: Bearer <token>``; tokens come from ``manage.py issue_token``."""

    keyword = "Bearer"

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        ttl = float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 0))
        now = time.monotonic()
        if ttl > 0:
            found = _resolved.get(key)
            if found is not None and found[0] > now:
                return found[1], found[2]
        token = (
            Token.objects.select_related(
                "user", "user__staff_profile__department", "user__applicant"
            )
            .filter(key=key)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if ttl > 0:
            with _lock:
                if len(_resolved) >= _MAX_ENTRIES:
                    _resolved.clear()
                _resolved[key] = (now + ttl, token.user, token)
        return token.user, token


def forget_user(user_id: int | None) -> None:
    """Drop every cached token of one user (all of them when user_id is None)."""
    with _lock:
        if user_id is None:
            _resolved.clear()
            return
        for key in [k for k, (_, user, _t) in _resolved.items() if user.pk == user_id]:
            del _resolved[key]


def _user_changed(sender: Any, instance: Any, **_: Any) -> None:
    forget_user(instance.pk)


def _related_changed(sender: Any, instance: Any, **_: Any) -> None:
    if instance.user_id is not None:
        forget_user(instance.user_id)


def connect() -> None:
    post_save.connect(_user_changed, sender="auth.User", dispatch_uid="token-cache-user")
    post_delete.connect(_user_changed, sender="auth.User", dispatch_uid="token-cache-user-del")
    for model in ("authtoken.Token", "accounts.StaffProfile", "cases.Applicant"):
        post_save.connect(_related_changed, sender=model, dispatch_uid=f"token-cache-{model}")
        post_delete.connect(_related_changed, sender=model, dispatch_uid=f"token-cache-del-{model}")
