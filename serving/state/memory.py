"""Giving a replaced state's memory back to the operating system after a reload."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys
import threading
import weakref
from collections.abc import Callable

import pyarrow as pa

# A finaliser runs while the object is being torn down, before its arrays are freed; trim a
# moment later, when they are.
TRIM_DELAY_SECONDS = 1.0
M_ARENA_MAX = -8  # glibc's malloc.h


def tune_allocators(malloc_arena_max: int) -> None:
    """Set up the process's allocators so that reloads do not ratchet resident memory up.

    Call before the request threads start (each thread may claim an arena on its first malloc).
    """
    route_arrow_through_malloc()
    if malloc_arena_max > 0:
        limit_malloc_arenas(malloc_arena_max)


def limit_malloc_arenas(n: int) -> bool:
    """Cap glibc's malloc arenas; whether it took effect (False off glibc).

    Each arena keeps its own free pages, so with dozens of request threads the pages a
    replaced state freed were scattered over arenas the trim could not empty (measured: +5 MB
    per snapshot reload with glibc's default, flat with 2).
    """
    mallopt = _libc_function("mallopt")
    return mallopt is not None and mallopt(M_ARENA_MAX, n) == 1


def route_arrow_through_malloc() -> None:
    """Make pyarrow allocate with the C library's malloc instead of its bundled mimalloc.

    pandas 3 keeps strings in Arrow buffers, and mimalloc kept the pages of every replaced
    snapshot: resident memory climbed 20-40 MB per snapshot reload under load (measured with
    benchmarks/load.py). Through malloc they are freed like the rest and trimmed after a reload.
    """
    if pa.default_memory_pool().backend_name != "system":
        pa.set_memory_pool(pa.system_memory_pool())


def release_when_gone(replaced: object) -> None:
    """Trim the heap once ``replaced`` (a swapped-out state) has been freed.

    Requests in flight keep the old state alive until they finish, so the trim cannot happen
    at the swap itself; the last of them to let go triggers it.
    """
    weakref.finalize(replaced, _release_soon)


def _release_soon() -> None:
    timer = threading.Timer(TRIM_DELAY_SECONDS, release_freed_memory)
    timer.daemon = True
    timer.start()


def release_freed_memory() -> None:
    """Collect cycles, then hand free heap pages back to the OS (glibc only).

    glibc keeps freed pages for reuse, so without the trim a process that swapped states stays
    at the high-water mark of two states held side by side: after every reload the resident
    memory looks like a leak to whoever watches a long-running service.
    """
    gc.collect()
    trim = malloc_trim()
    if trim is not None:
        trim(0)


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where there is none (macOS, Windows, musl)."""
    return _libc_function("malloc_trim")


@functools.cache
def _libc_function(name: str) -> Callable[..., int] | None:
    """A glibc function by name, or None off Linux or where the C library lacks it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    function: Callable[..., int] | None = getattr(libc, name, None)
    return function
