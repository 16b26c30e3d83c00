"""PySide6 6.12.0's SignalInstance.emit() drops a reference to True; ui.signals.emit must give it back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

from ui.signals import emit, emitter


class Source(QObject):
    fired = Signal(int)


def test_many_emits_leave_true_alone(qtbot):
    source = Source()
    seen: list[int] = []
    source.fired.connect(seen.append)
    before = sys.getrefcount(True)
    for n in range(3000):
        emit(source.fired, n)
    callback = emitter(source.fired)
    for n in range(3000):
        callback(n)
    assert len(seen) == 6000
    assert abs(sys.getrefcount(True) - before) <= 2
