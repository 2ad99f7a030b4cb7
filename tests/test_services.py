"""The services the portal runs on in production answer: Redis as cache and as Celery's broker."""

import uuid

from django.conf import settings
from django.core.cache.backends.redis import RedisCache

from config.celery_app import app


def test_redis_cache_round_trips_a_value():
    cache = RedisCache(settings.REDIS_URL, {})
    key = f"test-{uuid.uuid4()}"
    cache.set(key, {"days": 31}, timeout=30)
    assert cache.get(key) == {"days": 31}
    cache.delete(key)


def test_celery_broker_accepts_a_connection():
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
        assert connection.connected
