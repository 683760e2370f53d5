import gc

import pytest
from django.core.signals import request_finished

from govsvc.core import heap


@pytest.fixture
def thawed():
    gc.unfreeze()
    heap._served = 0
    yield
    request_finished.disconnect(heap._after_request)
    gc.unfreeze()


@pytest.mark.django_db  # request_finished also closes old database connections
def test_install_freezes_what_is_alive_and_settles_again_after_n_requests(settings, thawed):
    settings.GC_SETTLE_AFTER_REQUESTS = 3
    heap.install()
    frozen_at_start = gc.get_freeze_count()
    assert frozen_at_start > 0

    kept = [[object()] for _ in range(5000)]  # made after the first settle: not frozen yet
    request_finished.send(sender=None)
    request_finished.send(sender=None)
    before = gc.get_freeze_count()
    assert before < frozen_at_start + 1000  # (frozen objects may be freed, never added)
    request_finished.send(sender=None)  # the third request settles again
    assert gc.get_freeze_count() >= before + len(kept)  # (lists are tracked, objects not)

    settled = gc.get_freeze_count()
    more = [[object()] for _ in range(5000)]
    request_finished.send(sender=None)  # only once: the receiver is gone
    assert gc.get_freeze_count() < settled + len(more)


@pytest.mark.django_db
def test_zero_turns_it_off(settings, thawed):
    settings.GC_SETTLE_AFTER_REQUESTS = 0
    heap.install()
    assert gc.get_freeze_count() == 0
    for _ in range(300):
        request_finished.send(sender=None)
    assert gc.get_freeze_count() == 0
