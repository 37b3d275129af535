"""Django's Redis cache, with one client per connection pool instead of one per
call.

Django's RedisCacheClient.get_client builds a new ``redis.Redis`` for every cache
operation; building one (its response-callback table) cost more than the round
trip itself on a citizen's submission, which makes about seven. A ``redis.Redis``
is safe to share between threads (each command takes a connection from the
pool), so one per pool and process is kept.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):  # noqa: ANN001 - Django's signature
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:  # noqa: ANN001 - Django's signature
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
