"""`python render.py`: build a book folder into PDF, EPUB and web HTML; check it; watch it."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

from .errors import BookError

# Kept light: argument parsing and the up-to-date check import nothing heavy; a build imports its
# renderers (and WeasyPrint) only when an output has to be made.
FORMATS = ("pdf", "epub", "html")

DESCRIPTION = """\
Build a book folder (one holding a book.yaml) into a print PDF, an EPUB 3 and a single-page web HTML.
Outputs go to DIST (default: the book's dist/ folder), named from the book's slug. Only outputs whose
inputs changed are rebuilt; nothing is written unless every requested output builds, and each file is
replaced atomically.

commands:
  build   (the default) write the outputs
  check   build every output, then validate them: EPUBCheck, PDF fonts, bookmarks and metadata,
          links, alt text, and the chapters' text in each output
  watch   build, serve a live preview on http://127.0.0.1:PORT/ and rebuild on every change"""

EPILOG = """\
exit status: 0 built (and, for check, valid); 2 the book has problems (each is printed as
file:line: message); 3 check found defects in the outputs; 1 an internal error (run again with
--debug for the traceback)."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="render.py", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("build", "check", "watch"), default="build",
                        help="what to do (default: build)")
    parser.add_argument("--book", type=Path, default=Path("."), metavar="DIR",
                        help="book folder to build (default: the current folder)")
    parser.add_argument("--format", default=",".join(FORMATS), metavar="LIST",
                        help=f"comma-separated outputs to build, from {', '.join(FORMATS)} (default: all)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIST",
                        help="folder for the outputs (default: DIR/dist)")
    parser.add_argument("--force", action="store_true",
                        help="rebuild every output and reprocess every image, ignoring all caches")
    parser.add_argument("--port", type=int, default=8000, help="port of the watch preview (default: 8000)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but problems")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        parser.error(f"--format: unknown output {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    args.formats = tuple(f for f in FORMATS if f in formats)
    args.out_dir = (args.out or args.book / "dist").resolve()
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # so that a `kill` unwinds like Ctrl-C, removing temporary files


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if args.command == "watch":
            return _watch(args)
        return _build(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _build(args: argparse.Namespace, force: bool | None = None) -> int:
    """One build (or check): 0, or the exit status of what went wrong, which has been printed."""
    from .cache import fresh_outputs, input_keys

    force = args.force if force is None else force
    # --force rebuilds everything: the PDF process can start before the inputs are even hashed.
    own_worker = _start_pdf_worker(args.formats) if force and args.command != "watch" else None
    try:
        keys = input_keys(args.book, args.out_dir, args.formats) if (args.book / "book.yaml").is_file() else {}
        fresh = {} if force or args.command == "check" else fresh_outputs(args.book, args.out_dir, keys)
        todo = tuple(f for f in args.formats if f not in fresh)
        if not args.quiet:
            for path in fresh.values():
                print(f"{_relative(path):<48} {_size(path.stat().st_size):>8}  up to date")
        if not todo:
            return 0
        if args.command == "watch":
            worker = _watch_worker(args, todo)
        else:
            worker = own_worker = own_worker or _start_pdf_worker(todo)
        return _run(args, todo, force, keys, worker)
    finally:
        if own_worker is not None:
            own_worker.close()


def _start_pdf_worker(formats: tuple[str, ...]):
    """The process to lay out the PDF in, on a machine with more than one processor."""
    from .worker import PdfWorker, worth_it

    return PdfWorker() if ("pdf" in formats or "epub" in formats) and worth_it() else None


def _watch_worker(args: argparse.Namespace, todo: tuple[str, ...]):
    """watch keeps one PDF process, WeasyPrint warm in it, for all its rebuilds; replaced if a
    rebuild was interrupted mid-layout or the process died."""
    worker = getattr(args, "pdf_worker", None)
    if worker is None or not worker.reusable:
        if worker is not None:
            worker.close()
        worker = args.pdf_worker = _start_pdf_worker(todo)
    return worker


def _run(args: argparse.Namespace, todo: tuple[str, ...], force: bool, keys: dict, worker) -> int:
    from .cache import record

    try:
        from .build import build

        with _progress(args.quiet) as step:
            result = build(args.book, todo, args.out, use_cache=not force, progress=step, worker=worker)
        if keys:
            record(args.book, args.out_dir, keys, {o.format: o.path for o in result.outputs})
    except BookError as exc:
        for problem in exc.problems:
            print(f"error: {_display(problem)}", file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''}; nothing was written.", file=sys.stderr)
        args.last_problems = [_display(p) for p in exc.problems]
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: report, never a bare traceback
        if args.debug:
            traceback.print_exc()
            if details := getattr(exc, "details", ""):  # the PDF process's own traceback
                print(details, file=sys.stderr)
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if not args.debug:
            print("run again with --debug for the traceback; nothing was written.", file=sys.stderr)
        args.last_problems = [f"internal error: {type(exc).__name__}: {exc}"]
        return 1
    for warning in result.warnings:
        print(f"warning: {_relative_in(warning)}", file=sys.stderr)
    if not args.quiet:
        for output in result.outputs:
            print(f"{_relative(output.path):<48} {_size(output.size):>8}  {output.detail:<28} {output.seconds:5.2f} s")
    if args.command == "check":
        return _check(result, args.quiet)
    return 0


@contextmanager
def _progress(quiet: bool):
    """A callback naming the step under way: a spinner on a terminal, plain lines elsewhere."""
    if quiet:
        yield lambda step: None
    elif sys.stderr.isatty():
        from rich.console import Console

        with Console(stderr=True).status("loading the book") as status:
            yield lambda step: status.update(step)
    else:
        yield lambda step: print(f"… {step}", file=sys.stderr, flush=True)


def _watch(args: argparse.Namespace) -> int:
    from .watch import watch

    def slug() -> str:
        import yaml

        try:
            return str(yaml.safe_load((args.book / "book.yaml").read_text(encoding="utf-8-sig"))["slug"])
        except Exception:  # noqa: BLE001 - a broken book.yaml is reported by the build itself
            return "book"

    def rebuild() -> list[str] | None:
        args.last_problems = []
        status = _build(args, force=False)
        return None if status == 0 else args.last_problems or [f"build failed with status {status}"]

    try:
        _build(args)  # imports the renderers (and starts the PDF process): later builds find them warm
        watch(args.book, args.out_dir, args.port, rebuild, slug, lambda message: print(message, file=sys.stderr))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"error: cannot serve on 127.0.0.1:{args.port}: {exc.strerror}; pick another --port", file=sys.stderr)
        return 2
    finally:
        if getattr(args, "pdf_worker", None) is not None:
            args.pdf_worker.close()
    return 0


def _check(result, quiet: bool) -> int:
    from .check import check_outputs

    findings = check_outputs(result.book, {o.format: o.path for o in result.outputs})
    for finding in findings:
        if not quiet or not finding.ok:
            print(f"{'ok  ' if finding.ok else 'FAIL'} {finding.check}: {finding.detail}")
        for defect in finding.defects:
            print(f"     {defect}")
    failed = [f for f in findings if not f.ok]
    if not quiet:
        print(f"check: {len(findings) - len(failed)} of {len(findings)} checks passed")
    return 3 if failed else 0


def _display(problem) -> str:
    return str(problem).replace(str(problem.file), _relative(problem.file), 1)


def _relative_in(message: str) -> str:
    path, sep, rest = message.partition(":")
    return _relative(Path(path)) + sep + rest if sep and Path(path).is_absolute() else message


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
