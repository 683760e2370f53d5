"""Shared fixtures: the reference data loaded once per test session, and named personas."""

from collections.abc import Iterator

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[None]:
    """Load data/ (regions, departments, catalog, bundles) into the test database once."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("load_reference_data", verbosity=0)
    yield


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Tests roll their changes back without committing (no generation bump) and without
    signals: start each test without plans or resolved tokens cached by an earlier one."""
    from govsvc.accounts import auth
    from govsvc.cases import services

    services.clear_plan_cache()
    auth.forget_user(None)
    yield
