"""`cached`: functools.cached_property without its lock.

Python 3.11's cached_property takes an RLock on every first access (removed in 3.12). Facts belong to one
card in one thread and are read a few dozen times a card, so the lock is pure cost in a bulk run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

from mypy_extensions import mypyc_attr

__all__ = ["cached", "mypyc_attr"]

S = TypeVar("S")
T = TypeVar("T")


class cached(Generic[S, T]):
    """A value computed on first access and stored in the instance's __dict__ (frozen dataclasses too);
    later accesses find it there without calling the descriptor."""

    def __init__(self, fn: Callable[[S], T]) -> None:
        self.fn = fn
        self.name = getattr(fn, "__name__", "")  # set again by __set_name__ (a compiled method has none)
        self.__doc__ = getattr(fn, "__doc__", None)

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> cached[S, T]: ...

    @overload
    def __get__(self, obj: S, owner: type[Any] | None = None) -> T: ...

    def __get__(self, obj: S | None, owner: type[Any] | None = None) -> T | cached[S, T]:
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.name] = value
        return value
