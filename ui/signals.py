"""Emitting Python-defined signals safely.

PySide6 6.12.0 returns `True` from `SignalInstance.emit()` without taking a reference to it, so each
emit whose result is dropped takes one reference from the `True` singleton. After a few hundred
emits Python frees `True` and the process dies ("deallocating True or False"). Every emit in the GUI
goes through `emit()`, which gives the reference back when (and only when) the running PySide6 has
that fault; the check at import costs a few microseconds.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

_PROBES = 16


class _Probe(QObject):
    fired = Signal()


def _emit_steals_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(_PROBES):
        probe.fired.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:  # give back what the probe itself took
        for _ in range(lost):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= _PROBES


_STEALS = _emit_steals_a_reference()


def emit(signal: SignalInstance, *args: Any) -> None:
    """`signal.emit(*args)`, compensating PySide6's missing reference on the returned bool."""
    result = signal.emit(*args)
    if _STEALS and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))


def emitter(signal: SignalInstance) -> Callable[..., None]:
    """A plain callable that emits `signal` (for slots and callbacks such as progress reports)."""
    return lambda *args: emit(signal, *args)
