"""The vendor's document beside a bill: its PDF pages (or a PNG/JPEG receipt) in a scroll area, with page
navigation, zoom and fit-to-width, and Attach… to store a new file (or a new version of one).

PySide6-Essentials has no Qt PDF module: PDFium (pypdfium2, already used to print reports) rasterises
one page at a time into a QImage. A large file is rendered on a worker thread so the form never freezes;
a small one at once. Files are stored with the documents module (owner kind `bill`, owner the bill's id),
which keeps every upload as a version and audits each opening. A bill not saved yet keeps the chosen file
in memory and stores it as soon as the bill has an id (`store_pending`).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paksa_desktop.core.errors import ValidationError
from paksa_desktop.documents.models import OwnerKind
from paksa_desktop.documents.service import DocumentInfo, DocumentService, VersionInfo
from paksa_desktop.security.permissions import Permission
from ui.errors import message_for
from ui.session import AppSession
from ui.widgets.report_printer import _PDFIUM  # PDFium is not thread-safe: the printer's lock is shared
from ui.workers import Job, Loader

FILE_FILTER = "Vendor documents (*.pdf *.png *.jpg *.jpeg);;All files (*)"
LARGE_BYTES = 1024 * 1024  # files above this render on a worker thread
ZOOMS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
SCREEN_DPI = 96
MARGIN = 24  # scroll bar and frame, so a fitted page never needs a horizontal scroll bar


@dataclass(frozen=True, slots=True)
class Rendered:
    image: QImage
    page: int
    pages: int
    zoom: float  # what the image is at (1.0: actual size on a 96 dpi screen)


def is_pdf(filename: str, data: bytes) -> bool:
    return data[:5] == b"%PDF-" or filename.lower().endswith(".pdf")


def render_page(data: bytes, page: int, zoom: float | None, fit_width: int) -> Rendered:
    """One PDF page as an image: at `zoom` (1.0 = actual size on a 96 dpi screen), or fitted to
    `fit_width` pixels when `zoom` is None. Raises ValidationError for a file PDFium cannot read."""
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise ValidationError(f"the file cannot be read as a PDF ({exc})") from None
        try:
            pages = len(document)
            if not pages:
                raise ValidationError("the PDF has no pages")
            index = max(0, min(page, pages - 1))
            handle = document[index]
            width, _height = handle.get_size()  # points
            scale = fit_width / width if zoom is None else zoom * SCREEN_DPI / 72
            bitmap = handle.render(scale=max(scale, 0.05))
            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_BGR888)
            image = image.copy()  # detach from PDFium's buffer before it is freed
            bitmap.close()
            return Rendered(image, index, pages, scale * 72 / SCREEN_DPI)
        finally:
            document.close()


def render_image(data: bytes, zoom: float | None, fit_width: int) -> Rendered:
    """A PNG or JPEG receipt scaled like a PDF page."""
    image = QImage.fromData(data)
    if image.isNull():
        raise ValidationError("the file is neither a PDF nor an image this viewer can show")
    natural = image.width()
    width = fit_width if zoom is None else round(natural * zoom)
    if width != natural and width > 0:
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    return Rendered(image, 0, 1, image.width() / natural)


class DocumentViewer(QWidget):
    """The panel on the right of the bill form. `page_view.pixmap()` is the page shown."""

    attached = Signal(str)  # the file name stored (for the form to say so)

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("billDocumentViewer")
        self.session = session
        self.loader = Loader(self)
        self.owner_id: int | None = None
        self.pending: tuple[str, bytes] | None = None  # chosen before the bill had an id
        self.documents: list[DocumentInfo] = []
        self.filename = ""
        self.data: bytes | None = None
        self.page = 0
        self.pages = 0
        self.zoom: float | None = None  # None: fit the width of the panel
        self.shown_zoom = 0.0  # what the page shown is at
        self.rendering: Job | None = None
        self._generation = 0
        self.can_view = session.can(Permission.DOCUMENT_VIEW)
        self.can_attach = session.can(Permission.DOCUMENT_ATTACH)

        self.choice = QComboBox()
        self.choice.setObjectName("billDocumentChoice")
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(18)
        self.choice.setToolTip("The document and version shown (attaching a file of the same name adds a version)")
        self.choice.currentIndexChanged.connect(self._choose)
        self.attach_button = QPushButton("Attach…")
        self.attach_button.setObjectName("billAttach")
        self.attach_button.setAutoDefault(False)
        self.attach_button.setToolTip("Store the vendor's PDF (or a scan) with this bill")
        self.attach_button.clicked.connect(self.choose_and_attach)
        self.attach_button.setVisible(self.can_attach)

        self.previous_button = _tool("‹", "Previous page (Page Up)", self.previous_page)
        self.next_button = _tool("›", "Next page (Page Down)", self.next_page)
        self.page_label = QLabel()
        self.page_label.setMinimumWidth(80)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_out_button = _tool("−", "Zoom out (Ctrl+-)", self.zoom_out)
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(44)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.zoom_in_button = _tool("+", "Zoom in (Ctrl++)", self.zoom_in)
        self.fit_button = _tool("Fit width", "Fit the page to the panel's width", self.fit_width)

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.choice, 1)
        top.addWidget(self.attach_button)
        nav = QHBoxLayout()
        nav.setSpacing(4)
        for widget in (self.previous_button, self.page_label, self.next_button):
            nav.addWidget(widget)
        nav.addStretch(1)
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button, self.fit_button):
            nav.addWidget(widget)

        self.page_view = QLabel()
        self.page_view.setObjectName("billPage")
        self.page_view.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.page_view.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.page_view.setStyleSheet("background: #8a939c;")
        self.scroll = QScrollArea()
        self.scroll.setObjectName("billPageScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll.setWidget(self.page_view)
        self.scroll.setStyleSheet("QScrollArea#billPageScroll { background: #8a939c; border: none; }")
        self.empty = QLabel()
        self.empty.setObjectName("billDocumentEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setProperty("state", "muted")
        self.empty.setMargin(24)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addLayout(nav)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.empty, 1)
        for keys, slot in (
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            (QKeySequence(Qt.Key.Key_PageDown), self.next_page),
            (QKeySequence(Qt.Key.Key_PageUp), self.previous_page),
        ):
            shortcut = QShortcut(keys, self, slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(120)
        self._refit.timeout.connect(self.render)
        self._show_state()

    # ---- what is shown
    def _show_state(self, message: str = "") -> None:
        has_page = self.data is not None and not message
        self.scroll.setVisible(has_page)
        self.empty.setVisible(not has_page)
        if not self.can_view:
            message = "Seeing the vendor's documents needs document.view, which your role does not hold."
        elif not message and self.data is None:
            message = "No document attached yet."
            if self.can_attach:
                message += " Attach… stores the vendor's PDF (or a PNG or JPEG scan); it shows here, beside the form."
        self.empty.setText(message)
        self.choice.setVisible(bool(self.choice.count()))
        for widget in (self.previous_button, self.next_button, self.page_label):
            widget.setVisible(has_page and self.pages > 1)
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button, self.fit_button):
            widget.setEnabled(has_page)
        self.page_label.setText(f"Page {self.page + 1} of {self.pages}" if self.pages else "")
        self.previous_button.setEnabled(self.page > 0)
        self.next_button.setEnabled(self.page < self.pages - 1)
        shown = self.zoom if self.zoom is not None else self.shown_zoom
        self.zoom_label.setText(f"{round(shown * 100)} %" if shown else "")
        self.fit_button.setChecked(self.zoom is None)

    def service(self) -> DocumentService:
        return DocumentService(self.session.company.engine, self.session.ctx)

    def load(self, bill_id: int | None) -> None:
        """Show the documents of a stored bill (the first one's current version), read on a worker."""
        self.owner_id = bill_id
        if bill_id is None or not self.can_view:
            self._show_state()
            return
        service = self.service()

        def fetch() -> tuple[list[DocumentInfo], tuple[VersionInfo, bytes] | None]:
            documents = service.documents(OwnerKind.BILL, bill_id)
            first = documents[0].current if documents else None
            return documents, service.content(first.document_id, first.number) if first else None

        self.loader.load(fetch, self._loaded)

    def _loaded(self, result: tuple[list[DocumentInfo], tuple[VersionInfo, bytes] | None]) -> None:
        documents, content = result
        self.documents = documents
        self.choice.blockSignals(True)
        self.choice.clear()
        for doc in documents:
            for version in doc.versions:
                current = " (current)" if version.is_current and len(doc.versions) > 1 else ""
                self.choice.addItem(f"{doc.name} — v{version.number}{current}", (doc.id, version.number))
        self.choice.blockSignals(False)
        if content is not None:
            version, data = content
            self.choice.setCurrentIndex(max(0, self.choice.findData((version.document_id, version.number))))
            self.show_file(version.filename, data)
        else:
            self.data = None
            self._show_state()

    def _choose(self, index: int) -> None:
        key = self.choice.itemData(index)
        if not key or self.owner_id is None:
            return
        service = self.service()
        self.loader.load(lambda: service.content(*key), lambda found: self.show_file(found[0].filename, found[1]))

    def show_file(self, filename: str, data: bytes) -> None:
        """Show a file from its bytes, first page, fitted to the width."""
        self.filename, self.data = filename, data
        self.page, self.pages = 0, 0
        self.zoom = None
        self.render()

    # ---- rendering
    def _fit_width(self) -> int:
        return max(200, self.scroll.viewport().width() - MARGIN if self.scroll.isVisible() else self.width() - MARGIN)

    def render(self) -> None:
        """Render the page shown; on a worker when the file is large (the newest request wins)."""
        if self.data is None:
            self._show_state()
            return
        data, page, zoom, fit = self.data, self.page, self.zoom, self._fit_width()
        pdf = is_pdf(self.filename, data)

        def work() -> Rendered:
            return render_page(data, page, zoom, fit) if pdf else render_image(data, zoom, fit)

        self._generation += 1
        generation = self._generation
        if len(data) <= LARGE_BYTES:
            try:
                self._rendered(work())
            except ValidationError as exc:
                self._failed(exc)
            return
        self.page_label.setText("Rendering…")
        job = Job(lambda _progress, _cancelled: work(), self)
        job.succeeded.connect(lambda result: generation == self._generation and self._rendered(result))
        job.failed.connect(lambda error: generation == self._generation and self._failed(error))
        job.finished.connect(job.deleteLater)
        self.rendering = job.start()

    def _rendered(self, result: Rendered) -> None:
        self.page, self.pages, self.shown_zoom = result.page, result.pages, result.zoom
        self.page_view.setPixmap(QPixmap.fromImage(result.image))
        self.page_view.setMinimumSize(result.image.size())
        self._show_state()

    def _failed(self, error: BaseException) -> None:
        self.page_view.clear()
        self._show_state(f"{self.filename}: {message_for(error)}")

    def resizeEvent(self, event: object) -> None:  # type: ignore[override]
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.zoom is None and self.data is not None:
            self._refit.start()

    # ---- navigation and zoom
    def next_page(self) -> None:
        if self.page < self.pages - 1:
            self.page += 1
            self.render()
            self.scroll.verticalScrollBar().setValue(0)

    def previous_page(self) -> None:
        if self.page > 0:
            self.page -= 1
            self.render()
            self.scroll.verticalScrollBar().setValue(0)

    def _current_zoom(self) -> float:
        """The zoom of the page shown, so + and − step from what the user sees."""
        return self.zoom if self.zoom is not None else (self.shown_zoom or 1.0)

    def zoom_in(self) -> None:
        now = self._current_zoom()
        self.zoom = next((z for z in ZOOMS if z > now + 0.01), ZOOMS[-1])
        self.render()

    def zoom_out(self) -> None:
        now = self._current_zoom()
        self.zoom = next((z for z in reversed(ZOOMS) if z < now - 0.01), ZOOMS[0])
        self.render()

    def fit_width(self) -> None:
        self.zoom = None
        self.render()

    # ---- attaching
    def choose_and_attach(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, "Attach the vendor's document", "", FILE_FILTER)
        if chosen:
            self.attach(Path(chosen))

    def attach(self, path: Path) -> bool:
        """Store the file on the bill (a new version if one of that name is there); before the bill is saved,
        keep it to store with the first save. Shows it either way; False (and the reason shown) if refused."""
        try:
            data = path.read_bytes()
            if not data:
                raise ValidationError(f"{path.name} is empty")
            if mimetypes.guess_type(path.name)[0] not in ("application/pdf", "image/png", "image/jpeg") and not (
                is_pdf(path.name, data)
            ):
                raise ValidationError(f"{path.name}: attach a PDF, PNG or JPEG file")
            if self.owner_id is not None:
                self.service().attach(OwnerKind.BILL, self.owner_id, content=data, filename=path.name)
            else:
                limit = self.service().max_bytes  # the limit the store applies, said now rather than at saving
                if len(data) > limit:
                    raise ValidationError(f"{path.name} is larger than documents may be ({limit / 1048576:.0f} MB)")
                self.pending = (path.name, data)
        except Exception as exc:  # the reason in the panel; nothing stored
            self.data = None
            self._show_state(message_for(exc))
            return False
        if self.owner_id is not None:
            self.load(self.owner_id)
        else:
            self.choice.clear()
            self.choice.addItem(f"{path.name} — saved with the bill", None)
            self.show_file(path.name, data)
        self.attached.emit(path.name)
        return True

    def store_pending(self, bill_id: int) -> str:
        """After the bill's first save: store the file chosen before; '' or the reason it was not stored."""
        self.owner_id = bill_id
        if self.pending is None:
            return ""
        filename, data = self.pending
        try:
            self.service().attach(OwnerKind.BILL, bill_id, content=data, filename=filename)
        except Exception as exc:
            return f"{filename} was not attached: {message_for(exc)}"
        self.pending = None
        return ""


def _tool(text: str, tip: str, slot: object) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setMinimumWidth(28)
    button.setCheckable(text == "Fit width")
    button.clicked.connect(slot)  # type: ignore[arg-type]
    return button
