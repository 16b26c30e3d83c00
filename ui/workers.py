"""Background work: anything that may take more than ~100 ms runs off the GUI thread.

A `Job` runs `work(progress, cancelled)` in the thread pool and reports back on the GUI thread
through queued signals. `run_with_progress` wraps a job in a modal progress dialog with Cancel;
`Loader` runs a view's queries quietly and applies only the newest result.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from paksa_desktop.core.errors import Cancelled

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]
Work = Callable[[Progress, IsCancelled], Any]
SHOW_AFTER_MS = 300  # quick jobs never flash a dialog


class Job(QObject):
    """One piece of work on a pool thread; its signals always arrive on the GUI thread."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    _worker_progress = Signal(int, int)
    _worker_done = Signal(object, object)

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._cancel = threading.Event()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._worker_progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._worker_done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    def start(self, pool: QThreadPool | None = None) -> Job:
        (pool or QThreadPool.globalInstance()).start(_Runnable(self))
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    # ---- called on the worker thread
    def _run(self) -> None:
        try:
            result = self._work(self._worker_progress.emit, self._cancel.is_set)
        except Exception as exc:  # reported to the GUI thread, shown there as a dialog
            self._worker_done.emit(None, exc)
        else:
            self._worker_done.emit(result, None)

    # ---- GUI thread
    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.progressed.emit(done, total)

    @Slot(object, object)
    def _on_done(self, result: object, error: object) -> None:
        self.done = True
        self.result = result
        self.error = error if isinstance(error, BaseException) else None
        if self.error is not None:
            if not isinstance(self.error, Cancelled):
                log.debug("background job failed", exc_info=self.error)
            self.failed.emit(self.error)
        else:
            self.succeeded.emit(result)
        self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job  # keeps the Python wrapper alive until the work is done

    def run(self) -> None:
        self.job._run()


class ProgressDialog(QDialog):
    """Label, bar and Cancel; stays up while a cancelled job winds down, so nothing half-done is touched."""

    def __init__(self, title: str, label: str, parent: QWidget | None, *, cancellable: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("progressDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(420)
        self.label = QLabel(label)
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until the first report
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(cancellable)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)

    def set_progress(self, done: int, total: int) -> None:
        if total > 0:
            scale = max(1, total // 1_000_000 + 1)  # QProgressBar holds ints
            self.bar.setRange(0, total // scale)
            self.bar.setValue(min(done, total) // scale)

    def reject(self) -> None:  # Esc means Cancel, never "close while running"
        if self.cancel_button.isEnabled():
            self.cancel_button.click()


def run_with_progress(
    parent: QWidget | None,
    title: str,
    label: str,
    work: Work,
    on_success: Callable[[Any], None],
    *,
    cancellable: bool = True,
    on_failure: Callable[[BaseException], bool] | None = None,
    on_cancelled_result: Callable[[Any], None] | None = None,
) -> Job:
    """Run `work` with a modal progress dialog; success calls `on_success`, errors open a dialog.

    `on_failure` may handle an error itself (return True). If the user cancelled but the work
    finished anyway, `on_cancelled_result` (when given) receives the result instead of `on_success`.
    """
    from ui.errors import show_error

    job = Job(work, parent)
    dialog = ProgressDialog(title, label, parent, cancellable=cancellable)
    job.dialog = dialog  # type: ignore[attr-defined]

    def cancel() -> None:
        job.cancel()
        dialog.cancel_button.setEnabled(False)
        dialog.label.setText("Cancelling… nothing will be changed.")

    def show_if_running() -> None:
        if not job.done:
            dialog.show()

    def succeeded(result: Any) -> None:
        dialog.hide()
        if job.is_cancelled() and on_cancelled_result is not None:
            on_cancelled_result(result)
        else:
            on_success(result)

    def failed(error: BaseException) -> None:
        dialog.hide()
        if isinstance(error, Cancelled):
            return
        if on_failure is not None and on_failure(error):
            return
        show_error(parent, error, title=title)

    def finished() -> None:
        dialog.deleteLater()
        job.deleteLater()

    dialog.cancel_button.clicked.connect(cancel)
    job.progressed.connect(dialog.set_progress)
    job.succeeded.connect(succeeded)  # each hides the dialog first, so no message hides behind it
    job.failed.connect(failed)
    job.finished.connect(finished)
    QTimer.singleShot(SHOW_AFTER_MS, dialog, show_if_running)
    return job.start()


class Loader(QObject):
    """Runs a view's queries in the background; only the newest request's result is applied."""

    busyChanged = Signal(bool)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._owner = parent
        self._generation = 0
        self._pending = 0

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def load(self, fetch: Callable[[], Any], apply: Callable[[Any], None]) -> Job:
        from ui.errors import show_error

        self._generation += 1
        generation = self._generation
        job = Job(lambda _progress, _cancelled: fetch(), self)
        self._set_pending(+1)

        def succeeded(result: Any) -> None:
            if generation == self._generation:
                apply(result)

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                show_error(self._owner, error)

        def finished() -> None:
            self._set_pending(-1)
            job.deleteLater()

        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        job.finished.connect(finished)
        return job.start()

    def _set_pending(self, delta: int) -> None:
        was = self.busy
        self._pending += delta
        if was != self.busy:
            self.busyChanged.emit(self.busy)
