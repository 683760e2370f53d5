"""Shared API pieces: the error format every endpoint answers with."""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Wrap DRF errors as ``{"error": {"code", "message", "details"}}``.

    Clients get one shape for every failure; ``details`` keeps DRF's field errors.
    """
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    detail = response.data
    message = detail.get("detail") if isinstance(detail, dict) else None
    response.data = {
        "error": {
            "code": str(code),
            "message": str(message or "请求有误，请检查后重试。"),
            "details": detail,
        }
    }
    return response
