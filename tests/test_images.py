"""Photos go through one pipeline: upright, sRGB, no metadata, sized for each output, cached."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from pathlib import Path

import pikepdf
from PIL import Image

from folio.build import build

from .conftest import write_book


def camera_jpeg(path: Path, size=(3000, 2000), orientation=6) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    exif[0x0112] = orientation  # 6: the camera was turned; the picture must be rotated 90° to stand up
    image = Image.new("RGB", size, (30, 90, 160))
    image.paste((220, 40, 40), (0, 0, size[0] // 3, size[1] // 4))  # a red patch in the top-left corner
    image.save(path, quality=90, exif=exif.tobytes())


def test_a_camera_photo_is_turned_upright_stripped_and_sized_per_output(tmp_path):
    book = write_book(tmp_path, {"01-one.md": "# One\n\n![A turned photo.](../images/p.jpg \"Caption\")\n"})
    (book / "images").mkdir()
    camera_jpeg(book / "images" / "p.jpg")
    result = build(book)
    with zipfile.ZipFile(result.outputs[1].path) as archive:
        epub_image = Image.open(io.BytesIO(archive.read("EPUB/images/p.jpg")))
    assert epub_image.size == (1067, 1600), "portrait after rotation, 1600 px on the long side"
    assert not epub_image.getexif() and "icc_profile" not in epub_image.info
    assert epub_image.getpixel((epub_image.width - 10, 10))[0] > 150, "the red corner moved to the top right"
    with pikepdf.open(result.outputs[0].path) as pdf:
        images = {img.objgen: img for page in pdf.pages for img in page.get_images().values()}.values()
        found = [(int(i.Width), int(i.Height), str(i.Filter)) for i in images]
    assert found == [(787, 1181, "/DCTDecode")], "300 ppi at 100 mm high, the most a figure is printed"
    page = result.outputs[2].path.read_text()
    data = re.search(r'src="data:image/jpeg;base64,([^"]+)"', page)[1]
    assert Image.open(io.BytesIO(base64.b64decode(data))).size == (1067, 1600)


def test_processed_images_are_cached_by_content_hash(tmp_path):
    book = write_book(tmp_path, {"01-one.md": "# One\n\n![A photo.](../images/p.jpg)\n"})
    (book / "images").mkdir()
    camera_jpeg(book / "images" / "p.jpg", orientation=1)
    build(book)
    cached = sorted(p.name for p in (book / ".folio-cache" / "images").iterdir())
    assert len(cached) == 2 and cached[0].endswith("-print-1677x1181-v1.jpg") and cached[1].endswith("-screen-1600x1600-v1.jpg")
    build(book, use_cache=False)
    assert sorted(p.name for p in (book / ".folio-cache" / "images").iterdir()) == cached
