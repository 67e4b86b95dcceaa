"""Run one build as `render.py` does and print its wall time, peak memory and page count as JSON.

The PDF is laid out in a second process (folio.worker), so the peak memory reported is the sum of
this process's peak and the PDF process's: an upper bound, as the two need not peak together.
"""

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

    result = build(Path(sys.argv[1]), tuple(sys.argv[2].split(",")), Path(sys.argv[3]), use_cache=False,
                   parallel=True)
    seconds = time.perf_counter() - start
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    pages = next((int(o.detail.split()[0]) for o in result.outputs if o.format == "pdf"), None)
    print(json.dumps({"seconds": seconds, "peak_mb": main_mb + worker_mb, "main_mb": main_mb,
                      "worker_mb": worker_mb, "pages": pages, "sizes": {o.format: o.size for o in result.outputs}}))
