"""CPython's logging.FileHandler (or RotatingFileHandler) on the bench workload.

Run as `python3 cpython_logging.py <out> <warmupOut> <records> <warmupRecords> [rotating]`; prints
one JSON line {"seconds", "runtime", "peer"} like the JavaScript peers (see harness.mjs). With
`rotating`, the handler is logging.handlers.RotatingFileHandler(maxBytes=1048576, backupCount=5).
"""

import json
import logging
import logging.handlers
import platform
import sys
import time

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
MAX_BYTES = 1048576
BACKUP_COUNT = 5


def make_handler(path: str, rotating: bool) -> logging.Handler:
    """The handler under test, writing UTF-8 to path."""
    if rotating:
        return logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    return logging.FileHandler(path, encoding="utf-8")


def run(path: str, n: int, rotating: bool) -> float:
    """Logs n records to path; returns the seconds from the first call until the file is closed."""
    handler = make_handler(path, rotating)
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
    variant = sys.argv[5] if len(sys.argv) > 5 else ""
    if variant not in ("", "rotating"):
        sys.exit(f"unknown variant {variant!r}: use rotating or nothing")
    rotating = variant == "rotating"
    run(warmup_out, int(warmup_records), rotating)
    seconds = run(out, int(records), rotating)
    print(json.dumps({
        "seconds": seconds,
        "runtime": f"CPython {platform.python_version()}",
        "peer": (
            f"logging.handlers.RotatingFileHandler(maxBytes={MAX_BYTES}, "
            f"backupCount={BACKUP_COUNT})"
            if rotating
            else "logging.FileHandler"
        ),
    }))


if __name__ == "__main__":
    main()
