"""The shared shape of our two state machines (rectifications and desk requests).

An action names the states it starts from, the state it leads to and the roles that may
take it. :func:`perform` runs one action in one transaction: lock the row, check state and
actor, apply, save, write the audit record. A refused action raises :class:`TransitionError`
with a Chinese message fit to show the user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from govsvc.core import audit
from govsvc.evaluations.models import DeskRequest, Rectification

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser | None
M = TypeVar("M", "Rectification", "DeskRequest")

SUPERVISOR = "supervisor"
DEPARTMENT_ROLES = frozenset({"department_officer", "window_clerk", "reviewer"})


class TransitionError(Exception):
    """An action that the state, the actor or the input does not allow."""

    def __init__(self, message: str, code: str = "invalid_transition"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Action:
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the state does not change
    roles: frozenset[str] = field(default_factory=frozenset)


def role_of(actor: Actor) -> str | None:
    if actor is None or not actor.is_authenticated:
        return None
    profile = getattr(actor, "staff_profile", None)
    return profile.role if profile is not None else None


def department_id_of(actor: Actor) -> int | None:
    profile = getattr(actor, "staff_profile", None)
    return profile.department_id if profile is not None else None


def user_of(actor: Actor) -> Any:
    """The signed-in user behind ``actor``, or None (anonymous visitor, the system)."""
    return actor if actor is not None and actor.is_authenticated else None


def is_system(actor: Actor) -> bool:
    """``None`` is the platform itself (the tick, integrations); so is a superuser."""
    return actor is None or bool(getattr(actor, "is_superuser", False))


def perform(
    obj: M,
    name: str,
    action: Action,
    actor: Actor,
    *,
    check_actor: Callable[[M, Actor], None],
    apply: Callable[[M], dict[str, Any] | None] | None = None,
    describe: Callable[[M], str],
) -> M:
    """Run one action. ``apply`` may return None to say "already done": nothing is written."""
    model = type(obj)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=obj.pk)
        before = locked.status
        if before not in action.sources:
            raise TransitionError(
                f"{describe(locked)}当前状态为“{locked.get_status_display()}”，"
                f"不能执行“{action.label}”。"
            )
        check_actor(locked, actor)

        data = apply(locked) if apply is not None else {}
        if data is None:
            return locked
        if action.target is not None:
            locked.status = action.target
        locked.save()
        audit.record(
            f"{model._meta.app_label}.{model._meta.model_name}.{name}",
            locked,
            actor=actor,
            summary=f"{describe(locked)}{action.label}",
            data={"from": before, "to": locked.status, **data},
        )
    logger.info(
        "%s_%s id=%s from=%s to=%s", model._meta.model_name, name, locked.pk, before, locked.status
    )
    return locked
