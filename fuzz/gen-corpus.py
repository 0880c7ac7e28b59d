#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed corpus of fuzz/sftp_fuzz.c: a settings-profile byte, then
streams of SFTP v3 packets (u32 length + type + body), a few valid ones of each
request type. The fuzz target sends INIT itself, so seeds start with requests.
Every seed is written for profile 0 (default settings); the writing ones also
for the other profiles (atomic uploads, per-directory permissions...). Handles are the worker's
4-byte indexes: the first open handle is 00000000.

    fuzz/gen-corpus.py [OUTDIR]      (default fuzz/corpus/sftp)
It also writes fuzz/corpus/settings/: settings frames (u32 length + JSON) for
fuzz/settings_fuzz.c, followed by a -d template.
"""
import os
import struct
import sys

H0 = b"\0\0\0\0"


def u32(v):
    return struct.pack(">I", v)


def u64(v):
    return struct.pack(">Q", v)


def s(b):
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b


def pkt(t, rid, body=b""):
    p = bytes([t]) + u32(rid) + body
    return u32(len(p)) + p


def attrs(flags=0, size=0, uid=0, gid=0, perm=0o644, atime=0, mtime=0):
    b = u32(flags)
    if flags & 1:
        b += u64(size)
    if flags & 2:
        b += u32(uid) + u32(gid)
    if flags & 4:
        b += u32(perm)
    if flags & 8:
        b += u32(atime) + u32(mtime)
    return b


def ext(rid, name, body=b""):
    return pkt(200, rid, s(name) + body)


PROFILES = 7  # as many as PROFILES in sftp_fuzz.c
READ, WRITE, CREAT, TRUNC, EXCL, APPEND = 1, 2, 8, 16, 32, 4

SEEDS = {
    "init-again": pkt(1, 3),
    "realpath": pkt(16, 1, s(".")) + pkt(16, 2, s("/dir/../file")) + pkt(16, 3, s("..")),
    "stat": pkt(17, 1, s("file")) + pkt(7, 2, s("link")) + pkt(17, 3, s("abs_out")),
    "read": pkt(3, 1, s("file") + u32(READ) + attrs()) + pkt(5, 2, s(H0) + u64(0) + u32(8))
    + pkt(8, 3, s(H0))
    + pkt(4, 4, s(H0)),
    "write": pkt(3, 1, s("new") + u32(WRITE | CREAT | TRUNC) + attrs(4, perm=0o600))
    + pkt(6, 2, s(H0) + u64(0) + s(b"hello world"))
    + pkt(6, 3, s(H0) + u64(100) + s(b"sparse"))
    + pkt(10, 4, s(H0) + attrs(8, atime=1000, mtime=2000))
    + pkt(4, 5, s(H0)),
    "append": pkt(3, 1, s("file") + u32(WRITE | APPEND) + attrs())
    + pkt(6, 2, s(H0) + u64(16) + s(b"more"))
    + pkt(4, 3, s(H0)),
    "excl": pkt(3, 1, s("file") + u32(WRITE | CREAT | EXCL) + attrs()),
    "setstat": pkt(9, 1, s("file") + attrs(4, perm=0o600))
    + pkt(9, 2, s("file") + attrs(8, atime=1, mtime=2))
    + pkt(9, 3, s("file") + attrs(1, size=3))
    + pkt(9, 4, s("file") + attrs(2, uid=0, gid=0)),
    "readdir": pkt(11, 1, s("dir")) + pkt(12, 2, s(H0)) + pkt(12, 3, s(H0)) + pkt(4, 4, s(H0)),
    "readdir-root": pkt(11, 1, s("/")) + pkt(12, 2, s(H0)) + pkt(4, 3, s(H0)),
    "mkdir-rmdir": pkt(14, 1, s("d2") + attrs(4, perm=0o750)) + pkt(15, 2, s("d2")),
    "remove": pkt(13, 1, s("file")) + pkt(13, 2, s("abs_out")),
    "rename": pkt(18, 1, s("file") + s("file2")) + pkt(18, 2, s("file2") + s("dir/file")),
    "readlink": pkt(19, 1, s("link")) + pkt(19, 2, s("abs_out")),
    "symlink": pkt(20, 1, s("newlink") + s("file")) + pkt(20, 2, s("out2") + s("/etc/passwd")),
    "ext-posix-rename": ext(1, "posix-rename@openssh.com", s("file") + s("dir/x")),
    "ext-statvfs": ext(1, "statvfs@openssh.com", s("/")),
    "ext-fstatvfs": pkt(3, 1, s("file") + u32(READ) + attrs())
    + ext(2, "fstatvfs@openssh.com", s(H0)),
    "ext-hardlink": ext(1, "hardlink@openssh.com", s("file") + s("hard")),
    "ext-fsync": pkt(3, 1, s("file") + u32(WRITE) + attrs()) + ext(2, "fsync@openssh.com", s(H0)),
    "ext-lsetstat": ext(1, "lsetstat@openssh.com", s("link") + attrs(8, atime=5, mtime=6)),
    "ext-limits": ext(1, "limits@openssh.com"),
    "ext-expand-path": ext(1, "expand-path@openssh.com", s("~/dir")),
    "ext-copy-data": pkt(3, 1, s("file") + u32(READ) + attrs())
    + pkt(3, 2, s("copy") + u32(WRITE | CREAT) + attrs())
    + ext(3, "copy-data", s(H0) + u64(0) + u64(0) + s(b"\0\0\0\x01") + u64(0)),
    "ext-home-directory": ext(1, "home-directory", s("")),
    "ext-users-groups": ext(1, "users-groups-by-id@openssh.com", s(u32(0)) + s(u32(0))),
    "ext-unknown": ext(1, "nope@example.com", s("x")),
    "escape": pkt(3, 1, s("../canary/secret") + u32(READ) + attrs())
    + pkt(3, 2, s("rel_out/secret") + u32(READ) + attrs())
    + pkt(3, 3, s("dir/up/etc/passwd") + u32(READ) + attrs())
    + pkt(13, 4, s("abs_out/"))
    + pkt(9, 5, s("abs_out") + attrs(4, perm=0o777)),
    "malformed": pkt(3, 1, u32(100) + b"abc") + pkt(250, 2, b"x") + u32(0),
}


SETTINGS = {
    "minimal": b"{}",
    "full": b'{"username":"alice","connection_id":"c0ffee","protocol":"SFTP",'
    b'"client_ip":"127.0.0.1","home_dir":"/srv/sftp/alice","chroot":true,'
    b'"uid":1001,"gid":1001,"umask":"0022","setstat_mode":0,"upload_mode":2,'
    b'"permissions":{"/":["*"],"/in":["list","upload"]},"start_dir":"/in",'
    b'"read_only":false,"max_handles":256,"max_packet":262144}',
    "bad-types": b'{"uid":"x","permissions":[],"umask":18,"max_packet":-1}',
    "perms": b'{"permissions":{"/":["list","download"],"/a/b":["upload","overwrite",'
    b'"delete","rename","create_dirs","create_symlinks","chmod","chown","chtimes"]}}',
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "sftp")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([0]) + data)
    for name in ("write", "append", "rename", "setstat", "symlink", "ext-copy-data",
                 "escape", "mkdir-rmdir", "readdir"):
        for profile in range(1, PROFILES):
            with open(os.path.join(out, "%s-p%d" % (name, profile)), "wb") as f:
                f.write(bytes([profile]) + SEEDS[name])


def settings_corpus(out):
    os.makedirs(out, exist_ok=True)
    for name, js in SETTINGS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(u32(len(js)) + js + b"%d/%u")


if __name__ == "__main__":
    settings_corpus(os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus",
                                 "settings"))
    main()
