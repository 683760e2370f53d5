"""Celery entry point: a match batch runs in a worker when a broker is configured,
in the request otherwise (CELERY_TASK_ALWAYS_EAGER)."""

from celery import shared_task

from govsvc.policies.models import MatchBatch


@shared_task(name="policies.run_batch")
def run_batch_task(batch_id: int) -> dict:
    from govsvc.policies.services import run_batch

    batch = run_batch(MatchBatch.objects.get(pk=batch_id))
    return {"status": batch.status, "matches": batch.matches}
