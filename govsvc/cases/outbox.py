"""Transactional outbox: events written with the change, delivered after commit.

An event is relayed once: in one transaction it fans out into webhook deliveries (one per
subscribed department system) and in-app notifications, each protected by a unique
constraint, and is marked relayed. Deliveries are sent at least once, each with the event's
id as ``Idempotency-Key`` so that a department system applies it exactly once; failures are
retried with backoff and end in a dead-letter list after ``MAX_ATTEMPTS``.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.request
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from govsvc.cases.models import (
    Case,
    DeliveryStatus,
    Notification,
    OutboxEvent,
    SubCase,
    WebhookDelivery,
    WebhookSubscription,
)
from govsvc.core.caching import cache_is_shared
from govsvc.core.compiled import insert
from govsvc.core.sms import sms_sender
from govsvc.directory.models import Department

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
Transport = Callable[[str, bytes, dict[str, str]], int]


def emit(
    topic: str,
    *,
    case: Case | None = None,
    subcase: SubCase | None = None,
    department: Department | None = None,
    payload: dict[str, Any] | None = None,
    notify: str = "",
    save: bool = True,
) -> OutboxEvent:
    """Record an event inside the caller's transaction and relay it after commit (with
    save=False the caller writes the row, in the same transaction)."""
    body = dict(payload or {})
    if notify:
        body["notify"] = notify
    event = OutboxEvent(
        topic=topic, case=case, subcase=subcase, department=department, payload=body
    )
    if save:
        insert(event)
    transaction.on_commit(_schedule_relay)
    return event


# While a relay is queued and not yet started, further commits need not queue another: it
# will pick their events up too. The flag lives in the shared cache, so it is used only
# when the cache is shared between the web processes and the workers.
# The queued relay waits a moment (CASES_RELAY_GATHER_SECONDS) so that under load it fans out
# a batch of events at once rather than one task per commit.
RELAY_QUEUED = "cases:outbox:relay-queued"
RELAY_QUEUED_SECONDS = 10


def _schedule_relay() -> None:
    from govsvc.cases import tasks

    try:
        if settings.CELERY_TASK_ALWAYS_EAGER or not cache_is_shared():
            tasks.relay_outbox.delay()
        elif cache.add(RELAY_QUEUED, 1, RELAY_QUEUED_SECONDS):
            tasks.relay_outbox.apply_async(countdown=settings.CASES_RELAY_GATHER_SECONDS)
    except Exception:  # the broker is down: the periodic sweep relays it later
        logger.warning("outbox_relay_not_queued")


def relay_started() -> None:
    """Called by the relay task first thing: commits from now on queue a relay again."""
    if cache_is_shared():
        try:
            cache.delete(RELAY_QUEUED)
        except Exception:
            logger.warning("outbox_relay_flag_not_cleared")


def relay_pending(limit: int = 500) -> int:
    """Fan out unrelayed events, a batch per transaction; returns how many were relayed.

    Safe to run in several workers at once: each locks its batch and skips rows another
    worker holds. The fan-out rows are protected by unique constraints, and an event is
    marked relayed in the same transaction as its fan-out, so it is relayed exactly once.
    """
    done = 0
    sms: list[tuple[str, str]] = []
    while True:
        with transaction.atomic():
            events = list(
                OutboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("case__applicant")
                .filter(relayed_at__isnull=True)
                .order_by("created_at")[:limit]
            )
            if not events:
                break
            _fan_out(events, sms)
            OutboxEvent.objects.filter(pk__in=[e.pk for e in events]).update(
                relayed_at=timezone.now()
            )
        done += len(events)
        if len(events) < limit:
            break
    sender = sms_sender()
    for phone, message in sms:
        sender.send(phone, message)
    return done


def _fan_out(events: list[OutboxEvent], sms: list[tuple[str, str]]) -> None:
    """Webhook deliveries for subscribed department systems, in-app notices for applicants."""
    now = timezone.now()
    departments = {e.department_id for e in events if e.department_id}
    subscriptions: dict[int, list[WebhookSubscription]] = {}
    if departments:
        for sub in WebhookSubscription.objects.filter(department_id__in=departments, active=True):
            subscriptions.setdefault(sub.department_id, []).append(sub)
    deliveries = [
        WebhookDelivery(event=event, subscription=sub, next_attempt_at=now)
        for event in events
        for sub in subscriptions.get(event.department_id or 0, [])
        if not sub.topics or event.topic in sub.topics
    ]
    notices = []
    for event in events:
        message = event.payload.get("notify")
        case = event.case
        if message and case is not None and case.applicant.user_id:
            notices.append(
                Notification(
                    event=event,
                    user_id=case.applicant.user_id,
                    channel="in_app",
                    case=case,
                    message=message,
                )
            )
            if case.applicant.phone:
                sms.append((case.applicant.phone, f"【武汉政务服务】{message}"))
    # The events are locked and unrelayed, so none of these rows exists yet; the unique
    # constraints still guard against a second copy.
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    Notification.objects.bulk_create(notices, ignore_conflicts=True)


def payload_of(event: OutboxEvent) -> dict[str, Any]:
    body = {k: v for k, v in event.payload.items() if k != "notify"}
    return {
        "id": str(event.id),
        "topic": event.topic,
        "occurred_at": event.created_at.isoformat(),
        "case_number": event.case.number if event.case else None,
        "subcase_id": event.subcase_id,
        "data": body,
    }


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def http_transport(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - configured URLs
        return int(response.status)


def deliver_pending(transport: Transport | None = None, limit: int = 200) -> int:
    """Send due deliveries. Returns how many were delivered."""
    transport = transport or http_transport
    now = timezone.now()
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .select_related("event__case", "subscription")
        .order_by("next_attempt_at")[:limit]
    )
    delivered = 0
    lease = dt.timedelta(seconds=getattr(settings, "CASES_DELIVERY_LEASE_SECONDS", 60))
    for delivery in due:
        # Claim the delivery for a lease so that two workers never send it at once; if this
        # worker dies while sending, the lease runs out and another worker sends it again.
        claimed = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=delivery.next_attempt_at
        ).update(next_attempt_at=timezone.now() + lease)
        if not claimed:
            continue
        body = json.dumps(payload_of(delivery.event), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": str(delivery.event_id),
            "X-Govsvc-Signature": sign(delivery.subscription.secret, body),
        }
        delivery.attempts += 1
        try:
            status = transport(delivery.subscription.url, body, headers)
            ok = 200 <= status < 300
            error = "" if ok else f"HTTP {status}"
        except Exception as exc:  # any failure of the remote side is retried
            ok, error = False, str(exc)[:500]
        if ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.last_error = ""
            delivered += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.DEAD
            delivery.last_error = error
            logger.warning("webhook_dead delivery=%s", delivery.pk)
        else:
            delivery.last_error = error
            delivery.next_attempt_at = timezone.now() + dt.timedelta(
                seconds=30 * 2**delivery.attempts
            )
        delivery.save(
            update_fields=["status", "attempts", "next_attempt_at", "last_error", "delivered_at"]
        )
    return delivered


def retry_dead(delivery: WebhookDelivery) -> None:
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
