#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# A misbehaving sftpgo-worker for t-serve-worker-flood.sh: reads its settings frame
# from the monitor on fd 3, then floods it with log events and leaves.
import json, os, struct

mon = 3


def read_exact(n):
    b = b""
    while len(b) < n:
        c = os.read(mon, n - len(b))
        if not c:
            raise SystemExit(1)
        b += c
    return b


(n,) = struct.unpack(">I", read_exact(4))
read_exact(n)
for i in range(500):
    body = json.dumps({"event": "log", "level": "info", "message": "flood line %d" % i})
    os.write(mon, struct.pack(">I", len(body)) + body.encode())
raise SystemExit(3)  # logged by the monitor once the events are read
