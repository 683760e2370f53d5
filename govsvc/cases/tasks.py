"""Background work. Eager (in process) in the embedded default, Celery workers in production."""

from celery import shared_task

from govsvc.cases import outbox


@shared_task(name="cases.relay_outbox", acks_late=True)
def relay_outbox() -> int:
    relayed = outbox.relay_pending()
    if relayed:
        deliver_webhooks.delay()
    return relayed


@shared_task(name="cases.deliver_webhooks", acks_late=True)
def deliver_webhooks() -> int:
    return outbox.deliver_pending()
