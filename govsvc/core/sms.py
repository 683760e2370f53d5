"""SMS adapter. Production plugs in the city's SMS gateway; the default only logs (masked)."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from govsvc.core.masking import mask_phone

logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class LoggingSmsSender:
    """Writes what would be sent to the log, with the number masked."""

    def send(self, phone: str, message: str) -> None:
        logger.info("sms_sent phone=%s length=%s", mask_phone(phone), len(message))


def sms_sender() -> SmsSender:
    path = getattr(settings, "SMS_SENDER", "govsvc.core.sms.LoggingSmsSender")
    return import_string(path)()  # type: ignore[no-any-return]
