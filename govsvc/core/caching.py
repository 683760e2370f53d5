"""Facts about the configured cache that several apps rely on."""

from django.conf import settings


def cache_is_shared() -> bool:
    """Whether the default cache is shared between processes (Redis via CACHE_URL) rather
    than each process's own memory; flags and counters kept there mean something to the
    other processes only when it is."""
    return not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
