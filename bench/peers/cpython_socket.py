"""CPython's logging.handlers.SocketHandler sending to the logging cookbook's receiver.

Run as `python3 cpython_socket.py <records> <warmupRecords> [nocaller]`: the sender (with
`nocaller`, `logging._srcfile = None`: no caller information per record). It starts the receiver
as a child (`python3 cpython_socket.py receive <warmupRecords> <records>`), the cookbook's
LogRecordSocketReceiver: a socketserver.ThreadingTCPServer whose StreamRequestHandler reads a
4-byte length (looping on a short read, which the cookbook's code treats as the end), then the
pickle, and calls pickle.loads and logging.makeLogRecord. Instead of
logger.handle(record), its handleLogRecord counts the records and checks each message is
`request <i> handled` with `i` the next number (our receiver's bench handler does the same).

The protocol with the child and the printed result line are bench/ours_socket.ts's: the child
prints {"port"}, `warm` after the warm-up records, `done` after the last timed record, and its
counts when its stdin closes. The sender logs the warm-up on its own connection (closing the
handler), then times the records from the first call until the child's `done` line arrives,
and prints one JSON line {"seconds", "runtime", "peer", "received", "problem"?}.
"""

import json
import logging
import logging.handlers
import pickle
import platform
import socketserver
import struct
import subprocess
import sys
import threading
import time


def say(line: str) -> None:
    """Prints a line for the sender at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class State:
    """What the receiver has seen: the phase, the next expected number, the first problem."""

    def __init__(self, warmup: int, records: int) -> None:
        self.warmup = warmup
        self.records = records
        self.phase = "warm" if warmup > 0 else "timed"
        self.expected = 0
        self.total = 0
        self.problem = None


STATE: State


class LogRecordStreamHandler(socketserver.StreamRequestHandler):
    """The logging cookbook's handler for a streaming logging request."""

    def handle(self):
        """Handle multiple requests - each expected to be a 4-byte length, followed by the
        LogRecord in pickle format."""
        while True:
            chunk = self.connection.recv(4)
            # The cookbook stops at a short read here; a length prefix split across two TCP
            # segments then loses the connection's remaining records, so read until 4 bytes.
            while 0 < len(chunk) < 4:
                more = self.connection.recv(4 - len(chunk))
                if not more:
                    break
                chunk += more
            if len(chunk) < 4:
                break
            slen = struct.unpack(">L", chunk)[0]
            chunk = self.connection.recv(slen)
            while len(chunk) < slen:
                chunk = chunk + self.connection.recv(slen - len(chunk))
            obj = self.unPickle(chunk)
            record = logging.makeLogRecord(obj)
            self.handleLogRecord(record)

    def unPickle(self, data):
        return pickle.loads(data)

    def handleLogRecord(self, record):
        """Counts and checks instead of logger.handle(record)."""
        s = STATE
        s.total += 1
        if s.problem is None and record.msg != f"request {s.expected} handled":
            s.problem = f"{s.phase} record {s.expected} expected, got {str(record.msg)[:80]}"
        s.expected += 1
        if s.phase == "warm" and s.expected == s.warmup:
            say("warm")
            s.phase = "timed"
            s.expected = 0
        elif s.phase == "timed" and s.expected == s.records:
            say("done")


class LogRecordSocketReceiver(socketserver.ThreadingTCPServer):
    """The logging cookbook's simple TCP socket-based logging receiver."""

    allow_reuse_address = True


def receive(warmup: int, records: int) -> None:
    """The receiver process."""
    global STATE
    STATE = State(warmup, records)
    server = LogRecordSocketReceiver(("127.0.0.1", 0), LogRecordStreamHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    say(json.dumps({"port": server.server_address[1]}))
    sys.stdin.read()  # the sender closes our stdin when it is done
    server.shutdown()
    s = STATE
    timed = s.expected if s.phase == "timed" else 0
    problem = s.problem
    if problem is None and timed != records:
        problem = f"the receiver handled {timed} timed records, {records} expected"
    say(json.dumps({"received": timed, "total": s.total, "problem": problem}))


def send(port: int, n: int) -> None:
    """Logs n records through a new SocketHandler, then closes it."""
    handler = logging.handlers.SocketHandler("127.0.0.1", port)
    log = logging.getLogger("bench")
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(handler)
    for i in range(n):
        log.info("request %d handled", i)
    handler.close()
    log.removeHandler(handler)


def main() -> None:
    records, warmup = int(sys.argv[1]), int(sys.argv[2])
    variant = sys.argv[3] if len(sys.argv) > 3 else ""
    if variant not in ("", "nocaller"):
        sys.exit(f"unknown variant {variant!r}: use nocaller or nothing")
    if variant == "nocaller":
        logging._srcfile = None
    child = subprocess.Popen(
        [sys.executable, __file__, "receive", str(warmup), str(records)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    port = json.loads(child.stdout.readline())["port"]
    if warmup > 0:
        send(port, warmup)
        if child.stdout.readline().strip() != "warm":
            sys.exit("the receiver did not confirm the warm-up")
    start = time.perf_counter()
    send(port, records)
    done = child.stdout.readline().strip()
    seconds = time.perf_counter() - start
    child.stdin.close()
    final = json.loads(done if done.startswith("{") else child.stdout.readline())
    child.wait()
    problem = final.get("problem")
    if done != "done" and problem is None:
        problem = "the receiver never finished"
    print(json.dumps({
        "seconds": seconds,
        "runtime": f"CPython {platform.python_version()}",
        "peer": "logging.handlers.SocketHandler -> cookbook LogRecordSocketReceiver"
        + (", logging._srcfile = None" if variant else ""),
        "received": final.get("received"),
        "problem": problem,
    }))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "receive":
        receive(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
