#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# A misbehaving sftpgo-session for t-serve-rpc.sh: speaks the monitor RPC on fd 3
# and, once it has a connection, does what the file "mode" beside it says.
import os, socket, struct, sys, time

HOSTKEY, INIT, READY, CONN, AUTH_PASSWORD, AUTH_PUBKEY_QUERY, AUTH_PUBKEY, \
    AUTH_RESULT, CHANNEL_OPEN, CHANNEL_RESULT, LOG, NEWCONN, RELEASE, KBDINT_START, \
    KBDINT_QUESTIONS, KBDINT_ANSWERS, CHANNEL_EXIT = range(1, 18)

here = os.path.dirname(os.path.abspath(sys.argv[0]))
mon = socket.socket(fileno=3)


def s(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack(">I", len(b)) + b


def frame(t, payload=b""):
    return struct.pack(">IB", len(payload) + 1, t) + payload


conn = None


def recv():
    global conn
    data, anc, _, _ = mon.recvmsg(70000, socket.CMSG_SPACE(16))
    if not data:
        sys.exit(0)
    for level, kind, fds in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            conn = socket.socket(fileno=struct.unpack("i", fds[:4])[0])
    return data[4], data


while recv()[0] != INIT:
    pass
mon.send(frame(READY))
while recv()[0] != CONN:
    pass
mode = open(os.path.join(here, "mode")).read().strip()
if mode == "channel-before-auth":
    mon.send(frame(CHANNEL_OPEN, struct.pack(">I", 0) + s("sftp") + s("")))
elif mode == "auth-flood":
    mon.send(frame(AUTH_PASSWORD, s("nobody-here") + s("pw")))
    mon.send(frame(AUTH_PASSWORD, s("nobody-here") + s("pw")))
elif mode == "auth-beyond-limit":
    for i in range(3):
        mon.send(frame(AUTH_PASSWORD, s("limituser") + s("wrong%d" % i)))
        if i < 2:
            t, _ = recv()
            assert t == AUTH_RESULT
elif mode == "garbage":
    mon.send(b"\x00\x00\x00\x02\x05")
elif mode == "unknown-type":
    mon.send(frame(99, b""))
elif mode == "oversized-field":
    mon.send(frame(AUTH_PASSWORD, s("u") + s("p" * 5000)))
elif mode == "bad-log-level":
    mon.send(frame(LOG, struct.pack(">I", 77) + s("x")))
elif mode == "log-flood":
    for i in range(500):
        mon.send(frame(LOG, struct.pack(">I", 1) + s("flood line %d" % i)))
    mon.send(frame(CHANNEL_OPEN, struct.pack(">I", 0) + s("sftp") + s("")))
elif mode == "pass-fd":
    r, w = os.pipe()
    mon.sendmsg([frame(LOG, struct.pack(">I", 1) + s("with a descriptor"))],
               [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", r))])
elif mode == "kbd-bad-answers":
    mon.send(frame(KBDINT_START, s("limituser")))
    t, _ = recv()
    assert t == KBDINT_QUESTIONS
    mon.send(frame(KBDINT_ANSWERS, struct.pack(">I", 5) + s("a\nb\nc\nd\ne")))
elif mode == "kbd-stall":
    # long answers to a program that never reads them: its stdin pipe fills up
    mon.send(frame(KBDINT_START, s("limituser")))
    while True:
        t, _ = recv()
        if t != KBDINT_QUESTIONS:
            break
        mon.send(frame(KBDINT_ANSWERS, struct.pack(">I", 1) + s("a" * 16000)))
    open(os.path.join(here, "kbd-stall.out"), "w").write("result %d\n" % t)
elif mode == "kbd-unasked-answers":
    mon.send(frame(KBDINT_ANSWERS, struct.pack(">I", 1) + s("a")))
elif mode == "none":
    # behave like a session whose client went away: exit when the peer closes
    while conn.recv(4096):
        pass
    sys.exit(0)
while True:
    recv()
