"""CPython's logging.FileHandler on the bench workload.

Run as `python3 cpython_logging.py <out> <warmupOut> <records> <warmupRecords>`; prints one JSON
line {"seconds", "runtime", "peer"} like the JavaScript peers (see harness.mjs).
"""

import json
import logging
import platform
import sys
import time

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def run(path: str, n: int) -> float:
    """Logs n records to path; returns the seconds from the first call until the file is closed."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    log = logging.getLogger("bench")
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(handler)
    start = time.perf_counter()
    for i in range(n):
        log.info("request %d handled", i)
    handler.close()
    elapsed = time.perf_counter() - start
    log.removeHandler(handler)
    return elapsed


def main() -> None:
    out, warmup_out, records, warmup_records = sys.argv[1:5]
    run(warmup_out, int(warmup_records))
    seconds = run(out, int(records))
    print(json.dumps({
        "seconds": seconds,
        "runtime": f"CPython {platform.python_version()}",
        "peer": "logging.FileHandler",
    }))


if __name__ == "__main__":
    main()
