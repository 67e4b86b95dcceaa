"""`python render.py`: build a book folder into PDF, EPUB and web HTML."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path

from .errors import BookError

# Kept light: argument parsing and the up-to-date check import nothing heavy; a build imports its
# renderers (and WeasyPrint) only when an output has to be made.
FORMATS = ("pdf", "epub", "html")

DESCRIPTION = """\
Build a book folder (one holding a book.yaml) into a print PDF, an EPUB 3 and a single-page web HTML.
Outputs go to DIST (default: the book's dist/ folder), named from the book's slug. Nothing is written
unless every requested output builds, and each file is replaced atomically."""

EPILOG = """\
exit status: 0 built (and, for check, valid); 2 the book has problems (each is printed as
file:line: message); 3 check found defects in the outputs; 1 an internal error (run again with
--debug for the traceback)."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="render.py", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=("build", "check"), default="build",
                        help="build (the default) writes the outputs; check builds them, then validates "
                             "them (EPUBCheck, PDF fonts, bookmarks and metadata, links, alt text, text)")
    parser.add_argument("--book", type=Path, default=Path("."), metavar="DIR",
                        help="book folder to build (default: the current folder)")
    parser.add_argument("--format", default=",".join(FORMATS), metavar="LIST",
                        help=f"comma-separated outputs to build, from {', '.join(FORMATS)} (default: all)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIST",
                        help="folder for the outputs (default: DIR/dist)")
    parser.add_argument("--force", action="store_true",
                        help="rebuild every output, even those whose inputs have not changed")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but problems")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    args = parser.parse_args(argv)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        parser.error(f"--format: unknown output {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    args.formats = tuple(f for f in FORMATS if f in formats)
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # so that a `kill` unwinds like Ctrl-C, removing temporary files


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(args)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    from .cache import fresh_outputs, input_keys, record

    out_dir = (args.out or args.book / "dist").resolve()
    keys = input_keys(args.book, out_dir, args.formats) if (args.book / "book.yaml").is_file() else {}
    fresh = {} if args.force or args.command == "check" else fresh_outputs(args.book, out_dir, keys)
    todo = tuple(f for f in args.formats if f not in fresh)
    if not args.quiet:
        for path in fresh.values():
            print(f"{_relative(path):<48} {_size(path.stat().st_size):>8}  up to date")
    if not todo:
        return 0
    try:
        from .build import build

        result = build(args.book, todo, args.out, use_cache=not args.force)
        if keys:
            record(args.book, out_dir, keys, {o.format: o.path for o in result.outputs})
    except BookError as exc:
        for problem in exc.problems:
            print(f"error: {_display(problem)}", file=sys.stderr)
        count = len(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''}; nothing was written.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: report, never a bare traceback
        if args.debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        if not args.debug:
            print("run again with --debug for the traceback; nothing was written.", file=sys.stderr)
        return 1
    for warning in result.warnings:
        print(f"warning: {_relative_in(warning)}", file=sys.stderr)
    if not args.quiet:
        for output in result.outputs:
            print(f"{_relative(output.path):<48} {_size(output.size):>8}  {output.detail:<28} {output.seconds:5.2f} s")
    if args.command == "check":
        return _check(result, args.quiet)
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
