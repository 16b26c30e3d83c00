"""PySide6 6.12.0's SignalInstance.emit() drops a reference to `True` on every emit, and after a few
hundred emits Python frees it and aborts. The project pins 6.11.3 (constraints.txt, and excludes
6.12.0 in pyproject); this test fails loudly if a faulty release comes back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Source(QObject):
    fired = Signal()
    valued = Signal(int)


def test_emitting_keeps_the_reference_count_of_true():
    source = _Source()
    before = sys.getrefcount(True)
    for n in range(500):
        source.fired.emit()
        source.valued.emit(n)
    assert sys.getrefcount(True) >= before - 5
