"""Outside systems the policy service talks to: SMS and the finance system.

Each is an interface with one shipped implementation: SMS is logged (no gateway is
configured for the embedded platform); the finance hand-off writes a CSV file that the
finance system collects.
"""

import csv
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from django.conf import settings

from govsvc.core.masking import mask_phone

logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingSmsSender:
    """Writes the message to the log instead of sending it; the phone number is masked."""

    def send(self, phone: str, text: str) -> None:
        logger.info("policy_sms_sent phone=%s length=%s", mask_phone(phone), len(text))


class FinanceGateway(Protocol):
    def hand_over(self, key: str, rows: Sequence[dict[str, str]]) -> str:
        """Deliver the rows under ``key``; delivering the same key twice changes nothing."""
        ...


class FileExportGateway:
    """One CSV per hand-off under MEDIA_ROOT/finance/, named by its key."""

    columns = ("order_id", "policy_code", "period", "beneficiary", "account", "amount")

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(settings.MEDIA_ROOT) / "finance"

    def hand_over(self, key: str, rows: Sequence[dict[str, str]]) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{key}.csv"
        if path.exists():
            return str(path)
        partial = path.with_suffix(".partial")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=self.columns)
            writer.writeheader()
            writer.writerows(rows)
        partial.replace(path)
        return str(path)


def sms_sender() -> SmsSender:
    return LoggingSmsSender()


def finance_gateway() -> FinanceGateway:
    return FileExportGateway()
