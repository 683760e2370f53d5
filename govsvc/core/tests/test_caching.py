from govsvc.core.caching import RedisCache, cache_is_shared


def test_the_redis_cache_keeps_one_client_per_pool():
    cache = RedisCache("redis://127.0.0.1:6399/0", {})  # never connected: clients are lazy
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is first
    assert cache._cache.get_client(write=False) is first  # one server: one pool
    other = RedisCache("redis://127.0.0.1:6399/1", {})
    assert other._cache.get_client() is not first


def test_tests_run_on_a_process_local_cache():
    assert not cache_is_shared()
