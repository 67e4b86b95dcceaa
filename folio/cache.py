"""Which outputs are already up to date: content hashes of everything an output is made from.

Kept free of heavy imports (no Markdown, pydantic or WeasyPrint), so that a build with nothing to do
costs little more than starting Python and reading the inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
DEFAULT_THEME = PACKAGE.parent / "styles"
CACHE_DIR = ".folio-cache"  # in the book folder: build records and processed images; safe to delete
SKIPPED_DIRS = {"dist", "__pycache__", "node_modules"}
# The theme files each output reads (fonts are read by all three).
THEME_FILES = {
    "pdf": ("css/fonts.css", "css/content.css", "css/print.css", "templates/print.html.j2", "templates/_"),
    "epub": ("css/fonts.css", "css/content.css", "css/print.css", "css/epub.css", "templates/"),
    "html": ("css/fonts.css", "css/content.css", "css/web.css", "templates/web.html.j2", "templates/_"),
}


def theme_dir(root: Path) -> Path:
    own = root / "styles"
    return own if (own / "templates").is_dir() else DEFAULT_THEME


def input_keys(book_dir: Path, out_dir: Path, formats: tuple[str, ...]) -> dict[str, str]:
    """One key per output format: equal keys mean equal inputs, hence equal bytes."""
    root = book_dir.resolve()
    theme = theme_dir(root)
    book_files = _files(root, skip={out_dir.resolve(), theme})
    theme_files = _files(theme, skip=set())
    tool = _files(PACKAGE, skip=set()) + [(PACKAGE.parent / "requirements.txt", "requirements")]
    common = hashlib.sha256()
    for path, label in book_files:
        _update(common, label, path)
    for path, label in tool:
        _update(common, "tool/" + label, path)
    common.update(f"SOURCE_DATE_EPOCH={os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    keys = {}
    for fmt in formats:
        digest = common.copy()
        digest.update(fmt.encode())
        for path, label in theme_files:
            if label.startswith("fonts/") or label.startswith(THEME_FILES[fmt]):
                _update(digest, "theme/" + label, path)
        keys[fmt] = digest.hexdigest()
    return keys


def fresh_outputs(book_dir: Path, out_dir: Path, keys: dict[str, str]) -> dict[str, Path]:
    """The outputs whose recorded key matches and whose file is still the one that was written."""
    manifest = _read(_manifest(book_dir, out_dir))
    fresh = {}
    for fmt, key in keys.items():
        entry = manifest.get(fmt)
        if not entry or entry.get("key") != key:
            continue
        path = out_dir / entry["file"]
        if path.is_file() and _sha256(path) == entry.get("sha256"):
            fresh[fmt] = path
    return fresh


def record(book_dir: Path, out_dir: Path, keys: dict[str, str], outputs: dict[str, Path]) -> None:
    target = _manifest(book_dir, out_dir)
    manifest = _read(target)
    for fmt, path in outputs.items():
        manifest[fmt] = {"key": keys[fmt], "file": path.name, "sha256": _sha256(path)}
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, target)


def _manifest(book_dir: Path, out_dir: Path) -> Path:
    # One record per output folder, so that --out elsewhere does not pass for the default dist/.
    tag = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:12]
    return book_dir.resolve() / CACHE_DIR / f"build-{tag}.json"


def _files(root: Path, skip: set[Path]) -> list[tuple[Path, str]]:
    found = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS
                         and (here / d).resolve() not in skip)
        for name in sorted(files):
            if not name.startswith(".") and not name.endswith(".pyc"):
                path = here / name
                found.append((path, path.relative_to(root).as_posix()))
    return found


def _update(digest, label: str, path: Path) -> None:
    digest.update(label.encode() + b"\0" + _sha256(path).encode() + b"\n")


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
