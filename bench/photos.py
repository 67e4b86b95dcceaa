"""Camera-like test photos: 6000 x 4000 JPEGs with smooth scenes, edges and sensor grain.

Pure noise would compress like nothing real does, and flat colour like nothing real either; these
land near real photos (about 3 to 6 MB at quality 92), which is what the size targets are about.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 6000, 4000


def camera_photo(path: Path, seed: int, orientation: int | None = None) -> None:
    rng = random.Random(seed)
    small = Image.linear_gradient("L").resize((750, 500)).convert("RGB")
    tint = Image.new("RGB", small.size, tuple(rng.randrange(60, 200) for _ in range(3)))
    scene = Image.blend(small, tint, 0.55)
    draw = ImageDraw.Draw(scene)
    for _ in range(90):
        x, y = rng.randrange(750), rng.randrange(500)
        w, h = rng.randrange(8, 160), rng.randrange(8, 120)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=colour)
    scene = scene.filter(ImageFilter.GaussianBlur(1.5)).resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((WIDTH, HEIGHT), 10).convert("RGB")
    photo = Image.blend(scene, grain, 0.06)
    exif = Image.Exif()
    exif[0x010F] = "Bench Camera"  # Make
    exif[0x0131] = "camera firmware 1.0"  # Software
    if orientation:
        exif[0x0112] = orientation
    photo.save(path, quality=92, exif=exif.tobytes())
