"""One pipeline for raster images: upright, sRGB, no metadata, sized for the output that shows them.

Photos arrive as 24-megapixel camera files; an e-reader needs 1600 pixels and print needs 300 pixels
per inch at the size the figure is printed. Results are cached by content hash in the book's
.folio-cache/images/, so an unchanged photo is processed once.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from .model import Image

SCREEN_LONG_SIDE = 1600
PRINT_PPI = 300
JPEG_QUALITY = {"screen": 82, "print": 88}
SUFFIXES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
PIPELINE_VERSION = "1"  # bump when the processing changes, so cached results are not reused


def prepared(image: Image, data: bytes, target: str, box: tuple[int, int], cache_dir: Path | None) -> tuple[bytes, str]:
    """The bytes and media type of `image` for `target` ("screen" or "print"), fitted inside `box`
    (width, height in pixels). SVG and GIF pass through untouched."""
    if image.media_type not in ("image/jpeg", "image/png", "image/webp"):
        return data, image.media_type
    key = hashlib.sha256(data).hexdigest()[:32] + f"-{target}-{box[0]}x{box[1]}-v{PIPELINE_VERSION}"
    result = _MEMORY.get(key) or _cached(cache_dir, key)
    if result is None:
        result = _process(data, target, box)
        _store(cache_dir, key, result)
    _MEMORY[key] = result  # the EPUB and the web page share one processing within a build
    return result


_MEMORY: dict[str, tuple[bytes, str]] = {}


def print_pixels(width_mm: float, height_mm: float) -> tuple[int, int]:
    """The pixels that give 300 ppi over the largest box a figure is printed in."""
    return round(width_mm / 25.4 * PRINT_PPI), round(height_mm / 25.4 * PRINT_PPI)


def _process(data: bytes, target: str, box: tuple[int, int]) -> tuple[bytes, str]:
    from PIL import Image as Pillow, ImageCms, ImageOps

    with Pillow.open(io.BytesIO(data)) as source:
        if source.format == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that is still large enough: 24
            # megapixels are never decoded in full to make 2 of them.
            source.draft("RGB", box)
        picture = ImageOps.exif_transpose(source)  # the camera's orientation, applied to the pixels
        icc = source.info.get("icc_profile")
        has_alpha = picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)
        picture = picture.convert("RGBA" if has_alpha else "RGB")
        if icc:
            try:
                picture = ImageCms.profileToProfile(
                    picture, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"),
                    outputMode=picture.mode)
            except (ImageCms.PyCMSError, OSError):
                pass  # an unreadable profile: keep the pixels as they are
        if picture.width > box[0] or picture.height > box[1]:
            picture.thumbnail(box, Pillow.Resampling.LANCZOS)
        out = io.BytesIO()
        # The format is kept (file names and media types stay true); saved without exif, icc_profile
        # or comments, so the metadata (GPS position, camera serial) is stripped.
        if source.format == "PNG":
            picture.save(out, format="PNG", optimize=True)
            return out.getvalue(), "image/png"
        if source.format == "WEBP":
            picture.save(out, format="WEBP", quality=JPEG_QUALITY[target])
            return out.getvalue(), "image/webp"
        picture.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY[target], optimize=True,
                                    progressive=False, subsampling="4:2:0")
        return out.getvalue(), "image/jpeg"


def _cached(cache_dir: Path | None, key: str) -> tuple[bytes, str] | None:
    if cache_dir is None:
        return None
    for suffix, media_type in SUFFIXES.items():
        path = cache_dir / f"{key}{suffix}"
        if path.is_file():
            return path.read_bytes(), media_type
    return None


def _store(cache_dir: Path | None, key: str, result: tuple[bytes, str]) -> None:
    if cache_dir is None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    suffix = next(k for k, v in SUFFIXES.items() if v == result[1])
    tmp = cache_dir / f".{key}{suffix}.part"
    tmp.write_bytes(result[0])
    tmp.replace(cache_dir / f"{key}{suffix}")
