"""Background work. Eager (in process) in the embedded default, Celery workers in production."""

from celery import shared_task

from govsvc.cases import outbox
from govsvc.cases.models import DeliveryStatus, WebhookDelivery


@shared_task(name="cases.relay_outbox", acks_late=True)
def relay_outbox() -> int:
    outbox.relay_started()
    relayed = outbox.relay_pending()
    if relayed and WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists():
        deliver_webhooks.delay()
    return relayed


@shared_task(name="cases.deliver_webhooks", acks_late=True)
def deliver_webhooks() -> int:
    return outbox.deliver_pending()
