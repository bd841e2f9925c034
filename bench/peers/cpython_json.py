"""CPython's logging.FileHandler with python-json-logger's JsonFormatter on the JSON workload.

Run as `python3 cpython_json.py <out> <warmupOut> <records> <warmupRecords>`; prints one JSON line
{"seconds", "runtime", "peer"} like the JavaScript peers (see harness.mjs). Each record is
`log.info("request %d handled", i, extra={"user": ..., "status": ..., "ms": ...})`, formatted by
`JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")`. python-json-logger comes from
.tools/pylib/pjl-4.2.0 (where the tests install it), installed there by pip when missing.
"""

import json
import logging
import os
import platform
import subprocess
import sys
import time

VERSION = "4.2.0"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
PYLIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".tools", "pylib",
                     f"pjl-{VERSION}")


def load_json_formatter():
    """python-json-logger's JsonFormatter, installed into PYLIB first if needed."""
    if not os.path.exists(os.path.join(PYLIB, ".complete")):
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-input", "--target", PYLIB, f"python-json-logger=={VERSION}"],
            check=True,
        )
        with open(os.path.join(PYLIB, ".complete"), "w") as f:
            f.write(f"python-json-logger=={VERSION}\n")
    sys.path.insert(0, PYLIB)
    from pythonjsonlogger.json import JsonFormatter  # pylint: disable=import-outside-toplevel
    return JsonFormatter


JsonFormatter = load_json_formatter()


def run(path: str, n: int) -> float:
    """Logs n records to path; returns the seconds from the first call until the file is closed."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter(FORMAT))
    log = logging.getLogger("bench")
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(handler)
    start = time.perf_counter()
    for i in range(n):
        log.info("request %d handled", i, extra={"user": "ann", "status": 200, "ms": i / 1000})
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
        "peer": f"logging.FileHandler + python-json-logger {VERSION} JsonFormatter",
    }))


if __name__ == "__main__":
    main()
