"""Grading-time stand-in for threadpoolctl: the sandbox runs BLAS on one thread already
(its environment sets OPENBLAS/OMP/MKL_NUM_THREADS=1), and the real package loads the
BLAS libraries with ctypes, which the sandbox refuses. Setup cells and answers that use
``threadpool_limits`` work unchanged."""

from __future__ import annotations

import contextlib


class threadpool_limits(contextlib.ContextDecorator):
    """Does nothing: a context manager and decorator, as the real one."""

    def __init__(self, limits=None, user_api=None) -> None:
        self.limits, self.user_api = limits, user_api

    def __enter__(self) -> threadpool_limits:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def restore_original_limits(self) -> None:
        return None

    unregister = restore_original_limits


class ThreadpoolController:
    """Knows no thread pool: ``info()`` is empty and ``limit`` does nothing."""

    def info(self) -> list:
        return []

    def limit(self, limits=None, user_api=None) -> threadpool_limits:
        return threadpool_limits(limits, user_api)


def threadpool_info() -> list:
    return []
