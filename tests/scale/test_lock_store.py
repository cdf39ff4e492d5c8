"""ENGAGE_LOCK_STORE_URL switches Rasa to its own RedisLockStore, through endpoints.yml."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import redis
import yaml
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.store.lock_store import LockStoreUrlError, redis_settings

ROOT = Path(__file__).resolve().parents[2]


def configured() -> EndpointConfig:
    """The lock store exactly as endpoints.yml configures it."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    return EndpointConfig.from_dict(endpoints["lock_store"])


def test_without_a_url_rasa_keeps_its_in_memory_lock_store(monkeypatch):
    monkeypatch.delenv("ENGAGE_LOCK_STORE_URL", raising=False)
    assert type(LockStore.create(configured())) is InMemoryLockStore


def test_a_redis_url_gives_rasas_redis_lock_store_shared_through_redis(monkeypatch, redis_url):
    prefix = f"scaletest{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("ENGAGE_LOCK_STORE_URL", redis_url)
    monkeypatch.setenv("ENGAGE_LOCK_STORE_PREFIX", prefix)
    store = LockStore.create(configured())
    assert type(store) is RedisLockStore
    other = LockStore.create(configured())  # another replica
    seen = redis.Redis.from_url(redis_url)

    async def turn() -> None:
        async with store.lock("resident-1"):
            # held in Redis, where the other replica sees it and must wait its turn
            assert seen.exists(f"{prefix}:lock:resident-1")
            assert other.get_lock("resident-1").is_locked(other.issue_ticket("resident-1"))

    asyncio.run(turn())


@pytest.mark.parametrize("url, expected", [
    ("redis://cache:6380/3", {"host": "cache", "port": 6380, "db": 3, "use_ssl": False}),
    ("rediss://user:p%40ss@cache", {"host": "cache", "port": 6379, "db": 1, "use_ssl": True,
                                    "username": "user", "password": "p@ss"}),
])
def test_urls_are_read_as_redis_urls(url, expected):
    settings = redis_settings(url)
    assert {key: settings[key] for key in expected} == expected


@pytest.mark.parametrize("url", ["postgresql://db/1", "redis://", "redis://cache/zero"])
def test_a_wrong_url_says_what_is_wrong(url):
    with pytest.raises(LockStoreUrlError, match="ENGAGE_LOCK_STORE_URL"):
        redis_settings(url)
