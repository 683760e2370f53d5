"""The admin lists policies and shows versions read-only."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from govsvc.policies.models import Policy
from govsvc.policies.tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_admin_shows_a_policy_with_its_versions() -> None:
    f.published()
    client = Client()
    client.force_login(User.objects.create(username="root", is_staff=True, is_superuser=True))

    listing = client.get("/admin/policies/policy/")
    page = client.get(f"/admin/policies/policy/{Policy.objects.get().pk}/change/")

    assert listing.status_code == 200 and "WH-HT-01" in listing.content.decode()
    assert page.status_code == 200 and "revenue_last_year" in page.content.decode()
