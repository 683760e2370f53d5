"""Settings of the evaluation loop, each read from Django settings, else the environment.

EVALUATIONS_VERIFY_WORKDAYS: working days to verify a bad rating (default 1).
EVALUATIONS_RECTIFY_WORKDAYS: working days to rectify it (default 15).
EVALUATIONS_DESK_WORKDAYS: working days to close a 办不成事 request (default 5).
EVALUATIONS_SUPERVISING_DEPARTMENT: short name or code of the office that overdue work is
    escalated to (default 市政务服务局).
"""

from django.conf import settings

from config.env import env_int, env_str


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    return int(value) if value is not None else env_int(name, default)


def verify_workdays() -> int:
    return _int("EVALUATIONS_VERIFY_WORKDAYS", 1)


def rectify_workdays() -> int:
    return _int("EVALUATIONS_RECTIFY_WORKDAYS", 15)


def desk_workdays() -> int:
    return _int("EVALUATIONS_DESK_WORKDAYS", 5)


def supervising_department() -> str:
    value = getattr(settings, "EVALUATIONS_SUPERVISING_DEPARTMENT", None)
    return str(value) if value else env_str("EVALUATIONS_SUPERVISING_DEPARTMENT", "市政务服务局")
