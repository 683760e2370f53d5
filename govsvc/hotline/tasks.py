"""Celery entry point for the periodic hotline tick (schedule it every 5 minutes)."""

from celery import shared_task

from govsvc.hotline.tick import run_tick


@shared_task(name="hotline.tick")
def hotline_tick() -> dict:
    report = run_tick()
    return {
        "reminded": len(report.reminded),
        "supervised": len(report.supervised),
        "messages_resent": report.messages_resent,
    }
