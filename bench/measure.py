"""Run one build in this process and print its wall time, peak memory and page count as JSON."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if __name__ == "__main__":
    start = time.perf_counter()
    from folio.build import build

    result = build(Path(sys.argv[1]), tuple(sys.argv[2].split(",")), Path(sys.argv[3]), use_cache=False)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = next((int(o.detail.split()[0]) for o in result.outputs if o.format == "pdf"), None)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "pages": pages,
                      "sizes": {o.format: o.size for o in result.outputs}}))
