"""The cache of ready-to-send bodies: one making per key, old bodies given while a new one is made."""

from __future__ import annotations

import threading

import pytest

from service.api import cache
from service.api.cache import BodyCache, encode


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(cache.time, "monotonic", fake)
    return fake


def test_a_fresh_body_is_made_once(clock):
    store = BodyCache(30)
    calls = []

    def make():
        calls.append(1)
        return encode({"n": len(calls)}, "application/json")

    assert store.get_or_make("vue", make).raw == b'{"n":1}'
    clock.now += 29
    assert store.get_or_make("vue", make).raw == b'{"n":1}'
    assert len(calls) == 1
    clock.now += 2  # past its time, nobody else making it: made again
    assert store.get_or_make("vue", make).raw == b'{"n":2}'


def test_while_one_request_remakes_an_expired_body_the_others_get_the_old_one(clock):
    store = BodyCache(30)
    store.get_or_make("vue", lambda: encode({"v": "ancien"}, "application/json"))
    clock.now += 31
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(10)
        return encode({"v": "nouveau"}, "application/json")

    maker = threading.Thread(target=lambda: store.get_or_make("vue", slow))
    maker.start()
    assert started.wait(10)
    assert store.get_or_make("vue", lambda: pytest.fail("made twice")).raw == b'{"v":"ancien"}'
    release.set()
    maker.join(10)
    assert store.get_or_make("vue", lambda: pytest.fail("made again")).raw == b'{"v":"nouveau"}'


def test_a_body_too_old_is_never_given(clock):
    store = BodyCache(30)
    store.get_or_make("vue", lambda: encode({"v": "ancien"}, "application/json"))
    clock.now += 30 * cache.STALE_FACTOR + 1
    assert store.get_or_make("vue", lambda: encode({"v": "nouveau"}, "application/json")).raw == b'{"v":"nouveau"}'


def test_zero_seconds_turns_the_cache_off(clock):
    store = BodyCache(0)
    bodies = [store.get_or_make("vue", lambda i=i: encode({"i": i}, "application/json")).raw for i in range(2)]
    assert bodies == [b'{"i":0}', b'{"i":1}']
