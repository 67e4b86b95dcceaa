"""The PDF laid out in a second process, so that a build costs little more than the layout itself.

The process starts before the book is read, so WeasyPrint's import overlaps with loading; it reports
the page starts and a PDF of the cover page as soon as the pages are laid out, so the EPUB is made
here while the PDF is still being drawn there. `watch` keeps one such process for all its rebuilds,
so WeasyPrint stays imported and warm. Used on machines with more than one processor.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import traceback
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by the child only once WeasyPrint is in (see serve)
    from .pages import PageStart
    from .pdf import PrintJob, RenderedPdf


def worth_it() -> bool:
    """A second process pays off only with a second processor to run it (and POSIX pipes to talk)."""
    if os.name != "posix" or not sys.executable:
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except AttributeError:  # macOS
        return (os.cpu_count() or 1) > 1


class WorkerFailed(RuntimeError):
    """The PDF process failed in a way that is not the book's fault; carries its traceback."""

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.details = details

    def __reduce__(self):
        return (type(self), (str(self), self.details))


class PdfWorker:
    """The client side. For each job: `submit` it, then take the `layout`, the `cover_page` (if
    asked for) and the `pdf`, in that order; a failure is raised by whichever is taken next."""

    def __init__(self) -> None:
        # A plain child interpreter rather than multiprocessing, whose spawn re-runs the caller's
        # __main__ (and fails in a script without a main guard) and whose fork would copy threads.
        # -S with this process's sys.path skips site's work (.pth files), some 30 ms of start-up.
        to_child_read, self._to_child = os.pipe()
        self._from_child, from_child_write = os.pipe()
        code = (f"import sys; sys.path[:] = {sys.path!r}\n"
                "try:\n    import folio.worker; folio.worker.preload()\n"
                "except ImportError:  # an install that needs site's .pth files\n"
                "    import site; site.main(); import folio.worker; folio.worker.preload()\n"
                f"folio.worker.serve({to_child_read}, {from_child_write})")
        self._process = subprocess.Popen([sys.executable, "-S", "-c", code],
                                         pass_fds=(to_child_read, from_child_write), stdin=subprocess.DEVNULL)
        os.close(to_child_read)
        os.close(from_child_write)
        self._sender = os.fdopen(self._to_child, "wb")
        self._receiver = os.fdopen(self._from_child, "rb")
        self._received: dict[str, Any] = {}
        self._busy = False  # a job was submitted whose last answer (pdf or error) has not arrived
        self._jobs = 0

    @property
    def reusable(self) -> bool:
        """Alive and between jobs: a build interrupted mid-job leaves answers nobody will read."""
        return not self._busy and self._process.poll() is None

    def submit(self, job: PrintJob, cover_page: bool) -> None:
        """Lay out `job`; with `cover_page`, also send a PDF of the first page alone (for the EPUB's cover)."""
        assert self.reusable, "submit() to a busy or stopped PDF process"
        self._received.clear()
        self._busy = True
        self._jobs += 1
        try:
            pickle.dump((job, cover_page), self._sender, protocol=pickle.HIGHEST_PROTOCOL)
            self._sender.flush()
        except BrokenPipeError:
            self._failed()

    def layout(self) -> list[PageStart]:
        return self._take("layout")

    def cover_page(self) -> bytes:
        return self._take("cover_page")

    def pdf(self) -> RenderedPdf:
        return self._take("pdf")

    def _take(self, kind: str) -> Any:
        while kind not in self._received:
            if not self._busy:
                raise WorkerFailed(f"no {kind} is coming from the PDF process")
            try:
                tag, value = pickle.load(self._receiver)
            except (EOFError, pickle.UnpicklingError, ConnectionError):
                self._failed()
            if tag in ("pdf", "error"):
                self._busy = False
            if tag == "error":
                raise value
            self._received[tag] = value
        return self._received.pop(kind)

    def _failed(self):
        self._busy = True  # never reused
        status = self._process.wait(5)
        raise WorkerFailed(f"the PDF process stopped unexpectedly (exit status {status})")

    def close(self) -> None:
        # Mid-job (a failed or interrupted build) or before any job (the book did not load), its work
        # is not wanted; an idle process ends by itself once its input is closed.
        unwanted = self._busy or self._jobs == 0
        for stream in (self._sender, self._receiver):
            try:
                stream.close()
            except OSError:  # a broken pipe while flushing: the process is gone already
                pass
        if unwanted:
            self._process.terminate()
        self._process.wait()

    def __enter__(self) -> PdfWorker:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def preload() -> None:
    """WeasyPrint, imported by the PDF process while the parent reads the book."""
    # Ctrl-C reaches the whole process group; the parent decides what happens and stops this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from .pdf import import_weasyprint

    import_weasyprint()


def serve(read_fd: int, write_fd: int) -> None:
    """The PDF process: lay out each PrintJob read from `read_fd`, answering on `write_fd`, until
    the parent closes the pipe. Started after preload()."""
    from .pdf import render_pdf

    with os.fdopen(read_fd, "rb") as receiver, os.fdopen(write_fd, "wb") as sender:
        def send(tag: str, value: Any) -> None:
            pickle.dump((tag, value), sender, protocol=pickle.HIGHEST_PROTOCOL)
            sender.flush()

        while True:
            try:
                job, cover_page = pickle.load(receiver)
            except EOFError:  # the parent is done (or could not load the book)
                break

            def laid_out(starts, first_page_pdf, cover_page=cover_page) -> None:
                send("layout", starts)
                if cover_page:
                    send("cover_page", first_page_pdf())

            try:
                send("pdf", render_pdf(job, on_layout=laid_out))
            except BrokenPipeError:
                break
            except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent, which reports it
                send("error", _picklable(exc))
            del job
    # Everything is sent; tearing down WeasyPrint's objects would only keep the parent waiting.
    os._exit(0)


def _picklable(exc: Exception) -> Exception:
    from .errors import BookError

    if isinstance(exc, (BookError, WorkerFailed)):
        return exc
    return WorkerFailed(f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc)))
