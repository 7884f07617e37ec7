"""Allocator set-up of the service: reloads must not ratchet resident memory up."""

from __future__ import annotations

import sys

import pyarrow as pa
import pytest

from serving.api.app import create_app
from serving.state import memory
from tests.serving_fixtures import Champion

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc")


def test_the_app_reads_snapshots_into_malloc_not_arrows_own_pool(champion: Champion) -> None:
    # mimalloc kept every replaced snapshot's string buffers; malloc's are trimmed on reload.
    create_app(champion.settings())
    assert pa.default_memory_pool().backend_name == "system"


def test_the_app_caps_malloc_arenas_as_configured(
    champion: Champion, monkeypatch: pytest.MonkeyPatch
) -> None:
    caps: list[int] = []
    monkeypatch.setattr(memory, "limit_malloc_arenas", caps.append)
    create_app(champion.settings(malloc_arena_max=3))
    create_app(champion.settings(malloc_arena_max=0))
    assert caps == [3], "0 leaves glibc's default alone"


@linux_only
def test_glibc_takes_the_arena_cap() -> None:
    assert memory.limit_malloc_arenas(2) is True


@linux_only
def test_malloc_trim_is_found_and_runs() -> None:
    trim = memory.malloc_trim()
    assert trim is not None
    trim(0)


def test_off_glibc_there_is_nothing_to_call(monkeypatch: pytest.MonkeyPatch) -> None:
    memory._libc_function.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert memory.malloc_trim() is None
        assert memory.limit_malloc_arenas(2) is False
        memory.release_freed_memory()  # still collects garbage, trims nothing
    finally:
        memory._libc_function.cache_clear()
