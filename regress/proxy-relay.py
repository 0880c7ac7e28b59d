#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A stand-in for a load balancer speaking the PROXY protocol (regress/t-serve-proxy.sh).

relay LPORT TPORT BIND KIND SRC SPORT [wait]
    Listens on 127.0.0.1:LPORT; for each client, connects to 127.0.0.1:TPORT from the
    address BIND, writes a header of KIND (v1, v2, v1unknown, v2local, none) naming
    SRC:SPORT as the client, then copies bytes both ways until either side closes.
    With "wait", the server's SSH identification line must arrive (within 3 s)
    before the relay writes the header (else the client's connection is closed).
probe TPORT BIND BYTES [SECONDS [hold|wait]]
    Connects from BIND, sends BYTES (hex, or "txt:" and text with \\r \\n escapes),
    waits up to SECONDS (default 10) for the server's first line: prints "banner
    <line>", then "closed" when the server closes within SECONDS or "open" when it
    does not; or only "closed" / "timeout" when no line came. With "hold", keeps the
    connection open SECONDS after the banner (a pre-auth connection) and prints
    nothing more; with "wait", reads the first line (3 s at most) before sending.
header KIND SRC SPORT
    Prints the header as hex (to build probes).
"""
import ipaddress, socket, struct, sys, threading, time

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def header(kind, src, sport, dst="127.0.0.1", dport=2022):
    if kind == "none":
        return b""
    if kind == "v1unknown":
        return b"PROXY UNKNOWN\r\n"
    if kind == "v2local":
        return V2_SIG + bytes([0x20, 0x00]) + struct.pack("!H", 0)
    a = ipaddress.ip_address(src)
    if kind == "v1":
        fam = "TCP4" if a.version == 4 else "TCP6"
        d = dst if a.version == 4 else "::1"
        return ("PROXY %s %s %s %d %d\r\n" % (fam, src, d, sport, dport)).encode()
    if kind == "v2":
        if a.version == 4:
            body = a.packed + ipaddress.ip_address(dst).packed + struct.pack("!HH", sport, dport)
            famb = 0x11
        else:
            body = a.packed + ipaddress.ip_address("::1").packed + struct.pack("!HH", sport, dport)
            famb = 0x21
        body += bytes([0x04, 0x00, 0x02, 0xAB, 0xCD])  # a TLV (NOOP): read and ignored
        return V2_SIG + bytes([0x21, famb]) + struct.pack("!H", len(body)) + body
    raise SystemExit("unknown kind " + kind)


def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def first_line(s, seconds):
    """Bytes up to and including the first LF (b"" on EOF or timeout)."""
    s.settimeout(seconds)
    got = b""
    try:
        while b"\n" not in got:
            d = s.recv(1)
            if not d:
                return b""
            got += d
    except OSError:
        return b""
    finally:
        s.settimeout(None)
    return got


def relay(lport, tport, bind, kind, src, sport, wait=False):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(64)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        u = socket.socket()
        u.bind((bind, 0))
        u.connect(("127.0.0.1", tport))
        if wait:
            line = first_line(u, 3)
            print("banner before header: " + (line.decode(errors="replace").strip()
                                               or "none"), flush=True)
            if not line.startswith(b"SSH-"):
                c.close()
                u.close()
                continue
            c.sendall(line)
        u.sendall(header(kind, src, sport))
        threading.Thread(target=pump, args=(c, u), daemon=True).start()
        threading.Thread(target=pump, args=(u, c), daemon=True).start()


def probe(tport, bind, hexbytes, seconds, hold=False, wait=False):
    s = socket.socket()
    s.bind((bind, 0))
    s.connect(("127.0.0.1", tport))
    got = b""
    if wait:
        got = first_line(s, 3)
        if not got:
            print("closed")
            return
    if hexbytes.startswith("txt:"):
        s.sendall(hexbytes[4:].encode().decode("unicode_escape").encode("latin1"))
    else:
        s.sendall(bytes.fromhex(hexbytes))
    s.settimeout(seconds)
    try:
        while b"\n" not in got:
            d = s.recv(256)
            if not d:
                break
            got += d
    except socket.timeout:
        print("timeout")
        return
    except OSError:
        pass
    if b"\n" in got:
        print("banner " + got.split(b"\n")[0].decode(errors="replace").strip(), flush=True)
        if hold:
            time.sleep(seconds)
            return
        try:
            while s.recv(256):
                pass
            print("closed")
        except socket.timeout:
            print("open")
        except OSError:
            print("closed")
    else:
        print("closed")


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "relay":
        relay(int(a[1]), int(a[2]), a[3], a[4], a[5], int(a[6]),
              len(a) > 7 and a[7] == "wait")
    elif a[0] == "probe":
        probe(int(a[1]), a[2], a[3], float(a[4]) if len(a) > 4 else 10,
              len(a) > 5 and a[5] == "hold", len(a) > 5 and a[5] == "wait")
    elif a[0] == "header":
        print(header(a[1], a[2], int(a[3])).hex())
