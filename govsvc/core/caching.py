"""Facts about the configured cache that several apps rely on."""

from typing import Any

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


def cache_is_shared() -> bool:
    """Whether the default cache is shared between processes (Redis via CACHE_URL) rather
    than each process's own memory; flags and counters kept there mean something to the
    other processes only when it is."""
    return not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


class _ReusingRedisClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, keeping one client per connection pool.

    Django makes a new ``redis.Redis`` for every cache call, and each copies some 170
    response callbacks: about a tenth of a millisecond per call, more than the round trip
    to a local Redis. A client is safe to share (its pool hands out connections per call and
    notices a fork), so one per pool is kept.
    """

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusingRedisClient
