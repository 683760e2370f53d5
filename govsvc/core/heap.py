"""Keep the garbage collector off the request path of a long-running web process.

A web process holds some 250,000 long-lived objects (Django, DRF, the data dictionary, the
search and hotline libraries). CPython's oldest-generation collection walks all of them:
about 150 ms on this machine, once every few hundred requests, which is what the slowest
requests of a busy worker were waiting for. Requests themselves free almost everything by
reference counting. So once the process has loaded what it keeps, ``settle()`` collects
once and moves every object alive into the permanent generation (``gc.freeze``), which the
collector no longer walks: at start, and again after the first requests, which import the
views (Django loads the URLconf on the first request) and fill the caches. Cycles made
later are still collected as usual.

The second settle comes after ``GC_SETTLE_AFTER_REQUESTS`` (50) requests, so that under
load it falls in the first seconds of a worker's life, not minutes later: until then the
oldest generation holds the ~150,000 objects the URLconf's import brought in, and each full
collection of them is a pause of about 100 ms.

Under a pre-forking server the frozen objects are also no longer written to by the
collector, so the memory pages the workers share with their parent stay shared.
"""

import atexit
import gc
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.signals import request_finished

log = logging.getLogger(__name__)

_served = 0
_lock = threading.Lock()


def settle() -> None:
    """Collect what is garbage now, then stop walking what is left."""
    gc.collect()
    gc.freeze()
    log.info("heap_settled", extra={"frozen": gc.get_freeze_count()})


def _after_request(**_: Any) -> None:
    global _served
    with _lock:
        _served += 1
        due = _served == settings.GC_SETTLE_AFTER_REQUESTS
    if due:
        request_finished.disconnect(_after_request)
        settle()


def install() -> None:
    """Settle now and once more after the first requests (called by the WSGI entry point)."""
    if not settings.GC_SETTLE_AFTER_REQUESTS:
        return
    settle()
    request_finished.connect(_after_request)
    # Give the frozen objects back at exit, so that the final collection frees them and
    # extension modules (duckdb) do not report them as leaked.
    atexit.register(gc.unfreeze)
