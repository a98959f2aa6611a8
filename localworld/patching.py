"""Answer some of moto's actions from the local world: replace methods of a moto response class.

moto dispatches an action to the method of its response class named after it, so replacing those
methods makes a moto server running in this process answer from the world. One replacement per
class at a time; the returned callable puts moto's methods back (once, however often it is called).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["replace_methods"]

_patched: set[type] = set()
_lock = threading.Lock()


def replace_methods(
    cls: type,
    methods: Mapping[str, Callable[..., Any]],
    *,
    what: str,
    after_undo: Callable[[], None] | None = None,
) -> Callable[[], None]:
    """Set ``methods`` on ``cls``; call the result to restore it (then ``after_undo``).

    Raises RuntimeError when ``cls`` is already replaced (``what`` names the replacement).
    """
    with _lock:
        if cls in _patched:
            raise RuntimeError(f"{what} is already installed in this process")
        originals = {name: cls.__dict__.get(name) for name in methods}
        for name, method in methods.items():
            setattr(cls, name, method)
        _patched.add(cls)
    done = threading.Event()

    def undo() -> None:
        if done.is_set():
            return
        done.set()
        with _lock:
            for name, original in originals.items():
                if original is None:
                    delattr(cls, name)
                else:
                    setattr(cls, name, original)
            _patched.discard(cls)
        if after_undo is not None:
            after_undo()

    return undo
