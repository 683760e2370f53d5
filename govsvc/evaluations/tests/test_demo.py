"""The demo command can run twice and leaves one bad rating in the loop."""

from io import StringIO

import pytest
from django.core.management import call_command

from govsvc.evaluations.models import Rating, Rectification, ServiceAct

pytestmark = pytest.mark.django_db


def test_the_demo_runs_twice_without_duplicates() -> None:
    first, second = StringIO(), StringIO()
    call_command("evaluations_demo", stdout=first)
    call_command("evaluations_demo", stdout=second)
    assert ServiceAct.objects.filter(reference__startswith="DEMO-EV-").count() == 7
    assert Rating.objects.count() == 5 and Rectification.objects.count() == 1
    assert first.getvalue() == second.getvalue()
    assert "/evaluations/rate/" in first.getvalue() and "13800138000" not in first.getvalue()
