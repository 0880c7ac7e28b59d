#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Side-by-side benchmark: this server against Debian's OpenSSH sshd.

Starts, on loopback high ports, `sftpgo serve` (ours), OpenSSH sshd with
sftp-server and a second sshd with internal-sftp + ChrootDirectory, all with the
same throwaway system user and key, and measures them in alternation
(A B C A B C ..., at least 3 rounds, medians).  A last section compares the SFTP
workers alone, with no SSH at all (`sftp -D`).  Prints one table and writes the
same as JSON.  Must run as root (sshd, chroot, uid mapping).  Python 3 stdlib only.

How the server numbers are taken (see doc/performance.md):
- CPU: the kernel's cumulative counters.  For every process of a server's tree
  (the listener/monitor and all descendants, found through the ppid field of
  /proc/*/stat) we add utime+stime+cutime+cstime.  cutime/cstime hold the CPU of
  descendants that already exited and were reaped, so the sum only ever grows and
  the difference of two samples is all CPU the server spent in between -- exact to
  the clock tick provided no process is exiting while we sample, which we ensure
  by sampling either mid-session (no exits) or after the tree is back to its idle
  shape with no zombies (quiesce()).
- Memory: Pss (and Private_*) from /proc/<pid>/smaps_rollup summed over the tree,
  minus the idle tree's sum, divided by the number of sessions.
"""

import argparse
import ctypes
import datetime
import json
import os
import platform
import pwd
import select
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CLK_TCK = os.sysconf("SC_CLK_TCK")
GIB = 1 << 30
MIB = 1 << 20
SFTP_SERVER = "/usr/lib/openssh/sftp-server"
SSHD = "/usr/sbin/sshd"
CIPHERS = [("aes128-gcm", "aes128-gcm@openssh.com"),
           ("chacha20", "chacha20-poly1305@openssh.com")]
DEFAULT_CIPHER = "aes128-gcm@openssh.com"

# Sizes per profile.  full: the numbers; quick: a reduced set for a
# run under 3 minutes; tiny: for developing the script itself.
PROFILES = {
    "full": dict(big=GIB, scp=GIB, nfiles=2000, fsize=4096, meta=5000,
                 logins=200, burst=50, idle=200, par_n=8, par_size=128 * MIB,
                 wbig=GIB, wfiles=2000, rounds=3, api_secs=10),
    "quick": dict(big=128 * MIB, scp=128 * MIB, nfiles=300, fsize=4096, meta=1000,
                  logins=10, burst=10, idle=20, par_n=4, par_size=32 * MIB,
                  wbig=128 * MIB, wfiles=300, rounds=3, api_secs=5),
    "tiny": dict(big=4 * MIB, scp=4 * MIB, nfiles=20, fsize=4096, meta=50,
                 logins=4, burst=4, idle=4, par_n=2, par_size=1 * MIB,
                 wbig=4 * MIB, wfiles=20, rounds=3, api_secs=2),
}

LOG_DIR = "/tmp"  # set by Env.setup() to the run's logs/ directory

SERVER_KEYS = ["ours", "openssh", "internal", "quota", "pg", "bolt", "actions",
               "defender", "api"]
SERVER_LABELS = {"ours": "ours", "openssh": "OpenSSH sftp-server",
                 "internal": "OpenSSH internal-sftp",
                 "quota": "ours with quota tracking on",
                 "pg": "ours on PostgreSQL",
                 "bolt": "ours with the bolt (LMDB) data provider",
                 "actions": "ours with upload/download actions",
                 "defender": "ours with common.defender enabled",
                 "api": "ours with the REST API on"}
# Columns beside ours (SQLite) with their ratio to it: --quota, --pg, --bolt, --actions.
EXTRA_COLS = [("quota", "ours+quota", "quota/ours"), ("pg", "ours+pg", "pg/ours"),
              ("bolt", "ours+bolt", "bolt/ours"),
              ("actions", "ours+actions", "actions/ours"),
              ("defender", "ours+defender", "defender/ours"),
              ("api", "ours+api", "api/ours")]
# --quota: the bench user's limits on the "quota" server (large enough never to
# refuse; every upload still reserves from the monitor's ledger in chunks)
QUOTA_SIZE = 1 << 40
# --api: threads hammering GET /api/v1/user (each one keep-alive connection)
API_CLIENTS = 2
QUOTA_FILES = 1000000


class BenchError(Exception):
    pass


def log(msg):
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


# ---------------------------------------------------------------- processes

_children = {}  # pid -> Popen of every process we started and did not reap yet


_BASE_NICE = os.getpriority(os.PRIO_PROCESS, 0)


def raise_priority():
    """The bench itself mostly sleeps, but it timestamps the clients' output as
    it arrives: on a loaded machine it must not wait behind them for the CPU.
    Everything it starts gets the normal priority back."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, _BASE_NICE - 10)
    except OSError:
        pass


def _normal_priority():
    try:
        os.setpriority(os.PRIO_PROCESS, 0, _BASE_NICE)
    except OSError:
        pass


def spawn(argv, **kw):
    """Starts a process in its own session so that it and what it starts can be
    killed by its id alone."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("start_new_session", True)
    kw.setdefault("preexec_fn", _normal_priority)
    p = subprocess.Popen(argv, **kw)
    _children[p.pid] = p
    return p


def reap(p, timeout=None):
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(p)
        rc = p.wait()
    _children.pop(p.pid, None)
    return rc


def reap_all(procs, timeout):
    """Exit statuses of procs, all sharing one deadline (killed ones: -9)."""
    deadline = time.monotonic() + timeout
    return [reap(p, timeout=max(0.1, deadline - time.monotonic())) for p in procs]


def kill_group(p, sig=signal.SIGKILL):
    try:
        os.killpg(p.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def scan():
    """pid -> (ppid, state, own CPU ticks, CPU ticks of reaped descendants)."""
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                data = f.read()
        except OSError:
            continue
        rp = data.rindex(b")")
        fld = data[rp + 2:].split()
        procs[int(name)] = (int(fld[1]), fld[0], int(fld[11]) + int(fld[12]),
                            int(fld[13]) + int(fld[14]))
    return procs


def tree(root, procs=None):
    procs = procs if procs is not None else scan()
    kids = {}
    for pid, (ppid, _, _, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], [root] if root in procs else []
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out, procs


def tree_cpu(root, exclude_root=False):
    """Seconds of CPU of root's process tree (see the module docstring).
    exclude_root: leave out root's own CPU but keep what it reaped (the sftp
    client under `sftp -D` reaps the server program when the session ends)."""
    pids, procs = tree(root)
    ticks = 0
    for pid in pids:
        _, _, own, reaped = procs[pid]
        ticks += reaped if (exclude_root and pid == root) else own + reaped
    return ticks / CLK_TCK


def tree_mem(root):
    """(Pss, Private) in KiB summed over root's process tree."""
    pids, _ = tree(root)
    pss = priv = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    k, _, rest = line.partition(":")
                    if k == "Pss":
                        pss += int(rest.split()[0])
                    elif k in ("Private_Clean", "Private_Dirty"):
                        priv += int(rest.split()[0])
        except (OSError, ValueError):
            continue
    return pss, priv


def kill_tree(root):
    pids, _ = tree(root)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if not any(os.path.exists("/proc/%d" % p) and
                       _state(p) not in (b"Z", None) for p in pids):
                return
            time.sleep(0.05)


def _state(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[0]
    except OSError:
        return None


def become_subreaper():
    """Orphans of our servers reparent to us, so cleanup still finds them."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reaper_shim(argv):
    """`bench.py --reaper-shim PROGRAM ARGS...`: the parent of every server.  A
    child subreaper that waits for all its descendants, so processes orphaned
    inside a server (sshd's [priv] monitor can exit before its user child) are
    reaped here and their CPU lands in this process's cutime/cstime, inside the
    tree we measure, instead of being lost to init."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)

    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    code = 0
    while True:
        try:
            got, status = os.wait()
        except ChildProcessError:
            break
        if got == pid:
            code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


def shim(argv):
    return [sys.executable, os.path.abspath(__file__), "--reaper-shim"] + argv


def reap_orphans():
    me = os.getpid()
    for pid, (ppid, st, _, _) in scan().items():
        if ppid == me and pid not in _children:
            try:
                if st != b"Z":
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def run(argv, timeout=60, **kw):
    """Runs a short helper command; raises BenchError with its output on failure."""
    p = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kw)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(p)
        p.communicate()
        _children.pop(p.pid, None)
        raise BenchError("timeout: %s" % " ".join(argv))
    _children.pop(p.pid, None)
    if p.returncode != 0:
        raise BenchError("%s: exit %d: %s" % (" ".join(argv[:3]), p.returncode,
                                              out.decode(errors="replace")[-600:]))
    return out.decode(errors="replace")


def port_free(port):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_banner(port, proc, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError("exited with status %d" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError("no SSH banner on port %d within %ds" % (port, timeout))


# ---------------------------------------------------------------- environment

class Env:
    """Temp dirs, the throwaway user, its key and the local data files."""

    def __init__(self, args):
        self.args = args
        self.base = "/dev/shm/sftpgo-bench-%d" % os.getpid()
        self.user = "sfbench%d" % (os.getpid() % 100000)
        self.user_created = False
        self.mounts = []
        self.files = {}

    def setup(self):
        os.makedirs(self.base, mode=0o755)
        os.chmod(self.base, 0o755)
        for d in ("local", "dl", "logs"):
            os.makedirs(os.path.join(self.base, d))
        global LOG_DIR
        LOG_DIR = os.path.join(self.base, "logs")
        home = os.path.join(self.base, "home")
        run(["useradd", "-r", "-M", "-U", "-d", home, "-s", "/bin/sh", self.user])
        self.user_created = True
        # sshd without PAM refuses accounts whose password field starts with "!"
        run(["usermod", "-p", "*", self.user])
        pw = pwd.getpwnam(self.user)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.home = self.mkdir_user(home)
        self.key = os.path.join(self.base, "id_ed25519")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", self.key])
        self.authorized_keys = os.path.join(self.base, "authorized_keys")
        shutil.copy(self.key + ".pub", self.authorized_keys)
        os.chmod(self.authorized_keys, 0o644)
        # sshd's privilege separation directory (Debian's package creates it at
        # boot; it is left in place: other sshd instances may be using it)
        if not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", mode=0o755)

    def mkdir_user(self, path):
        os.makedirs(path, exist_ok=True)
        os.chown(path, self.uid, self.gid)
        os.chmod(path, 0o755)
        return path

    def chroot_dir(self):
        """A root-owned directory with no group/world-writable path component
        (sshd's ChrootDirectory rule; /dev/shm is 1777), on tmpfs like the rest."""
        d = "/run/sftpgo-bench-%d" % os.getpid()
        os.makedirs(d, mode=0o755)
        try:
            run(["mount", "-t", "tmpfs", "-o", "mode=755,uid=0,gid=0", "tmpfs", d])
            self.mounts.append(d)
        except BenchError as e:
            log("warning: tmpfs mount for the chroot failed, using disk: %s" % e)
        self.chroot = d
        return d

    def big_file(self, size, tag="big"):
        """A local file of size bytes (random 4 MiB block repeated; compression is
        off, so its content does not matter for the ciphers)."""
        key = (tag, size)
        if key in self.files:
            return self.files[key]
        path = os.path.join(self.base, "local", "%s-%d.bin" % (tag, size))
        block = os.urandom(min(size, 4 * MIB))
        with open(path, "wb") as f:
            left = size
            while left > 0:
                n = min(left, len(block))
                f.write(block[:n])
                left -= n
        os.chmod(path, 0o644)
        self.files[key] = path
        return path

    def small_tree(self, n, fsize):
        key = ("small", n, fsize)
        if key in self.files:
            return self.files[key]
        path = os.path.join(self.base, "local", "small%d" % n)
        os.makedirs(path)
        for i in range(n):
            with open(os.path.join(path, "f%05d" % i), "wb") as f:
                f.write(os.urandom(fsize))
        self.files[key] = path
        return path

    def cleanup(self):
        for d in self.mounts:
            subprocess.call(["umount", "-l", d], stderr=subprocess.DEVNULL)
        self.mounts = []
        for d in (self.base, getattr(self, "chroot", None)):
            if d and os.path.isdir(d):
                shutil.rmtree(d, ignore_errors=True)
        if self.user_created:
            subprocess.call(["userdel", self.user], stderr=subprocess.DEVNULL)
            self.user_created = False


def clear_dir(path):
    """Removes what a test left in a server's directory (keeps the dir)."""
    for name in os.listdir(path):
        p = os.path.join(path, name)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                os.unlink(p)
            except OSError:
                pass


# ---------------------------------------------------------------- servers

class Server:
    key = ""
    scp_ok = True
    background_work = False  # processes that outlive a round (actions)

    def __init__(self, env, port):
        self.env = env
        self.port = port
        self.proc = None
        self.ok = False
        self.reason = "not started"
        self.idle_count = 1
        self.host_dir = None  # where the client's start directory is on the host

    @property
    def root(self):
        return self.proc.pid

    def cpu(self):
        return tree_cpu(self.root)

    def mem(self):
        return tree_mem(self.root)

    def stop(self):
        if self.proc is not None:
            kill_tree(self.proc.pid)
            reap(self.proc, timeout=5)
            self.proc = None

    def settle(self, timeout=10):
        """Waits until the idle tree stops changing; remembers its process count."""
        deadline = time.monotonic() + timeout
        last = None
        stable_since = time.monotonic()
        while time.monotonic() < deadline:
            pids, procs = tree(self.root)
            shape = (len(pids), sum(procs[p][2] + procs[p][3] for p in pids))
            if shape != last:
                last, stable_since = shape, time.monotonic()
            elif time.monotonic() - stable_since >= 0.5:
                break
            time.sleep(0.05)
        self.idle_count = last[0] if last else 1

    def quiesce(self, timeout=20):
        """Waits until every per-connection process is gone and reaped, so a CPU
        sample is exact (see the module docstring): the tree is back to its idle
        size, or (a pool that refills differently) unchanged for a second, with
        no zombie in it."""
        deadline = time.monotonic() + timeout
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            pids, procs = tree(self.root)
            zombie = any(procs[p][1] == b"Z" for p in pids)
            shape = sorted(pids)
            if shape != last:
                last, since = shape, time.monotonic()
            if not zombie and (len(pids) <= self.idle_count or
                               time.monotonic() - since >= 1.0):
                break
            time.sleep(0.02)
        last = self.cpu()
        for _ in range(20):
            time.sleep(0.05)
            now = self.cpu()
            if now == last:
                break
            last = now
        return last


class OpenSSH(Server):
    def __init__(self, env, port, chroot):
        super().__init__(env, port)
        self.chroot = chroot
        self.key = "internal" if chroot else "openssh"
        self.scp_ok = not chroot

    def start(self):
        env = self.env
        d = os.path.join(env.base, "sshd-" + self.key)
        os.makedirs(d)
        hostkey = os.path.join(d, "ssh_host_ed25519_key")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostkey])
        lines = [
            "Port %d" % self.port,
            "ListenAddress 127.0.0.1",
            "HostKey %s" % hostkey,
            "PidFile %s" % os.path.join(d, "sshd.pid"),
            "AuthorizedKeysFile %s" % env.authorized_keys,
            "UsePAM no",
            "StrictModes no",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "AllowUsers %s" % env.user,
            "UseDNS no",
            "X11Forwarding no",
            "PrintMotd no",
            "PrintLastLog no",
            # the burst and idle-session rows open many unauthenticated
            # connections at once; the default 10:30:100 would drop them
            "MaxStartups 1000",
            "LogLevel INFO",
        ]
        if self.chroot:
            root = env.chroot_dir()
            self.host_dir = env.mkdir_user(os.path.join(root, "w"))
            lines += ["Subsystem sftp internal-sftp",
                      "Match User %s" % env.user,
                      "    ChrootDirectory %s" % root,
                      "    ForceCommand internal-sftp -d /w"]
        else:
            self.host_dir = env.home
            lines.insert(0, "Subsystem sftp %s" % SFTP_SERVER)
        cfg = os.path.join(d, "sshd_config")
        with open(cfg, "w") as f:
            f.write("\n".join(lines) + "\n")
        run([SSHD, "-t", "-f", cfg])
        logf = open(os.path.join(env.base, "logs", "sshd-%s.log" % self.key), "wb")
        self.proc = spawn(shim([SSHD, "-D", "-e", "-f", cfg]), stdout=logf, stderr=logf)
        logf.close()
        wait_banner(self.port, self.proc)


class Ours(Server):
    key = "ours"

    # SFTPGo's default: a user without a quota is not counted
    track_quota = 2
    user_flags = []
    driver, db_name = "sqlite", "sftpgo.db"
    sftpd_extra = {}
    conf_extra = {}

    def __init__(self, env, port, binary, libexec):
        super().__init__(env, port)
        self.binary = binary
        self.libexec = libexec

    def provider_conf(self):
        return {"driver": self.driver, "name": self.db_name,
                "track_quota": self.track_quota}

    def start(self):
        env = self.env
        if not os.access(self.binary, os.X_OK):
            raise BenchError("%s not built" % self.binary)
        if not os.access(os.path.join(self.libexec, "sftpgo-worker"), os.X_OK):
            raise BenchError("no sftpgo-worker in %s" % self.libexec)
        d = os.path.join(env.base, "%s-conf" % self.key)
        os.makedirs(d)
        for kt, name in (("ed25519", "id_ed25519"), ("rsa", "id_rsa")):
            run(["ssh-keygen", "-q", "-t", kt, "-N", "", "-f", os.path.join(d, name)])
        conf = {
            "sftpd": {"bind_port": self.port, "bind_address": "127.0.0.1",
                      # as MaxStartups for sshd: the burst rows need it
                      "max_startups_per_ip": 1000,
                      # off by default in SFTPGo 0.9; sshd serves scp by default
                      "enable_scp": True},
            "data_provider": self.provider_conf(),
            "httpd": {"bind_port": 0},
        }
        conf["sftpd"].update(self.sftpd_extra)
        conf.update(self.conf_extra)
        with open(os.path.join(d, "sftpgo.json"), "w") as f:
            json.dump(conf, f, indent=2)
        self.host_dir = env.mkdir_user(os.path.join(env.base, "%s-home" % self.key))
        try:
            run([self.binary, "initprovider", "--config-dir", d])
        except BenchError as e:  # user add says it clearly if this mattered
            log("ours: initprovider: %s" % e)
        run([self.binary, "user", "add", "--config-dir", d, "--username", env.user,
             "--public-key-file", env.key + ".pub", "--home-dir", self.host_dir,
             "--uid", str(env.uid), "--gid", str(env.gid), "--permissions", "/:*"] +
            self.user_flags)
        logf = open(os.path.join(env.base, "logs", "sftpgo.out"), "wb")
        # info-level logs, like sshd's LogLevel INFO (SFTPGo's default is debug)
        self.proc = spawn(shim([self.binary, "serve", "--config-dir", d,
                                 "--libexec-dir", self.libexec,
                                 "--log-file-path", os.path.join(env.base, "logs",
                                                                 "%s.log" % self.key),
                                 "--log-verbose=false"]),
                          stdout=logf, stderr=logf, cwd=d)
        logf.close()
        wait_banner(self.port, self.proc)


class OursQuota(Ours):
    """The same server with the bench user counted and limited (--quota)."""
    key = "quota"
    track_quota = 1
    user_flags = ["--quota-size", str(QUOTA_SIZE), "--quota-files", str(QUOTA_FILES)]


class OursPg(Ours):
    """The same server with its accounts in a PostgreSQL 15 started for the run
    (regress/dbserver.sh, loopback TCP, password auth); --pg, column pg/ours. The
    database server's own CPU is not in the server CPU rows."""
    key = "pg"

    def __init__(self, env, port, binary, libexec):
        super().__init__(env, port, binary, libexec)
        self.db_dir = os.path.join(env.base, "pgdb")
        self.db_port = port + 100
        while not port_free(self.db_port):
            self.db_port += 1
        self.db_up = False

    def dbserver(self, cmd, *extra):
        run(["sh", os.path.join(REPO, "regress", "dbserver.sh"), cmd, "pg",
             self.db_dir] + [str(x) for x in extra], timeout=120)

    def provider_conf(self):
        return {"driver": "postgresql", "host": "127.0.0.1", "port": self.db_port,
                "username": "sftpgo", "password": "sftpgo-pw", "name": "sftpgo",
                "track_quota": self.track_quota}

    def start(self):
        self.dbserver("start", self.db_port)
        self.db_up = True
        super().start()

    def stop(self):
        super().stop()
        if self.db_up:
            self.dbserver("clean")
            self.db_up = False


class OursBolt(Ours):
    """The same server with its accounts in one LMDB file (--bolt)."""
    key = "bolt"
    driver, db_name = "bolt", "users.lmdb"


class OursActions(Ours):
    """The same server with an upload and download action (--actions): a command
    that does nothing (/bin/true), so the row measures what firing costs."""
    key = "actions"
    background_work = True
    sftpd_extra = {"actions": {"execute_on": ["upload", "download"],
                               "command": "/bin/true"}}


class OursDefender(Ours):
    """The same server with the brute-force defender on, SFTPGo 2.x's defaults
    (--defender; column defender/ours): rows g)."""
    key = "defender"
    conf_extra = {"common": {"defender": {"enabled": True}}}

    def config_dir(self):
        return os.path.join(self.env.base, "%s-conf" % self.key)


class OursApi(Ours):
    """The same server with the REST API on 127.0.0.1 (--api; column api/ours):
    rows h). No auth_user_file: basic auth's bcrypt would be the measure."""
    key = "api"

    def __init__(self, env, port, binary, libexec):
        super().__init__(env, port, binary, libexec)
        self.http_port = port + 200
        while not port_free(self.http_port):
            self.http_port += 1
        self.conf_extra = {"httpd": {"bind_port": self.http_port,
                                     "bind_address": "127.0.0.1"}}

    def start(self):
        super().start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/api/v1/version")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise BenchError("the REST API does not answer on port %d" % self.http_port)

    def request(self, method, path, body=None, conn=None):
        """(status, body bytes); conn: a kept-alive http.client connection."""
        import http.client
        c = conn or http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        try:
            c.request(method, path, body=None if body is None else json.dumps(body),
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            if conn is None:
                c.close()


# The REST API's load (row h): N threads of one process, each on one kept-alive
# connection, GET /api/v1/user until stdin closes; prints "ready", then the count.
HAMMER = r"""
import http.client, os, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
counts, stop = [0] * n, threading.Event()

def client(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        c.request("GET", "/api/v1/user")
        r = c.getresponse()
        r.read()
        if r.status != 200:
            print("GET /api/v1/user: %d" % r.status, flush=True)
            os._exit(1)
        counts[i] += 1

ths = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
for t in ths:
    t.start()
print("ready", flush=True)
sys.stdin.read()
stop.set()
for t in ths:
    t.join()
print(sum(counts), flush=True)
"""


# ---------------------------------------------------------------- clients

def ssh_opts(env, cipher=DEFAULT_CIPHER):
    # The same algorithms for every server: OpenSSH 9.2 would pick
    # sntrup761x25519 with sshd but libssh 0.10 does not offer it.
    return ["-F", "/dev/null", "-i", env.key,
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "HostKeyAlgorithms=ssh-ed25519",
            "-o", "KexAlgorithms=curve25519-sha256", "-o", "Ciphers=" + cipher,
            "-o", "Compression=no", "-o", "ConnectTimeout=30"]


def sftp_argv(env, srv, batch, cipher=DEFAULT_CIPHER):
    return (["sftp"] + ssh_opts(env, cipher) +
            ["-P", str(srv.port), "-b", batch, "%s@127.0.0.1" % env.user])


def write_batch(env, name, lines):
    path = os.path.join(env.base, "local", name)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


# Ends every timed batch: the session stays up a moment after the last measured
# command, so that command's timestamp and CPU sample are taken while every
# process of the connection still runs (no exit races).
TAIL = ["!sleep 0.3"]


def wait_readable(fd, deadline):
    """poll(), not select(): with 1,000 sessions the fds pass FD_SETSIZE."""
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    pl = select.poll()
    pl.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(pl.poll(left * 1000))


def span(marks, i, j):
    """Seconds between echoed commands i and j (at least 1 ms: two lines read in
    one chunk share a timestamp)."""
    return max(marks[j][0] - marks[i][0], 1e-3)


def run_marked(argv, snap_at=(), snap=None, timeout=600, cwd=None):
    """Runs an `sftp -b` command with line-buffered stdout and timestamps every
    echoed command ("sftp> ..." is printed as a command starts).  Returns
    [(t, cpu or None, line)] plus a final (t_exit, cpu, "exit")."""
    errpath = os.path.join(LOG_DIR, "client.err")
    errf = open(errpath, "wb")
    p = spawn(["stdbuf", "-oL"] + argv, stdout=subprocess.PIPE, stderr=errf, cwd=cwd)
    errf.close()
    marks, buf = [], b""
    fd = p.stdout.fileno()
    deadline = time.monotonic() + timeout
    try:
        while True:
            if not wait_readable(fd, deadline):
                raise BenchError("timeout after %ds: %s" % (timeout, " ".join(argv[-4:])))
            chunk = os.read(fd, 65536)
            now = time.monotonic()
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.startswith(b"sftp> "):
                    idx = len(marks)
                    marks.append((now, snap(p.pid) if (snap and idx in snap_at) else None,
                                  line[6:].decode(errors="replace")))
    except BaseException:
        kill_group(p)
        reap(p)
        raise
    finally:
        p.stdout.close()
    rc = reap(p, timeout=max(1, deadline - time.monotonic()))
    if rc != 0:
        with open(errpath, "rb") as f:
            err = f.read().decode(errors="replace")[-500:]
        raise BenchError("sftp exit %d: %s" % (rc, err.strip()))
    return marks


# ---------------------------------------------------------------- results

class Results:
    def __init__(self):
        self.rows = []  # ordered row definitions
        self.vals = {}  # row id -> server key -> [values]
        self.notes = {}  # row id -> server key -> note (why n/a)

    def define(self, rid, section, label, unit, better, bar=None):
        if rid not in self.vals:
            self.rows.append(dict(id=rid, section=section, label=label, unit=unit,
                                  better=better, bar=bar))
            self.vals[rid] = {}
            self.notes[rid] = {}

    def add(self, rid, skey, value):
        self.vals[rid].setdefault(skey, []).append(value)

    def na(self, rid, skey, why):
        self.notes[rid].setdefault(skey, why)

    def median(self, rid, skey):
        v = [x for x in self.vals[rid].get(skey, []) if x is not None]
        return statistics.median(v) if v else None


def fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) < 1e6
                              and abs(v) >= 10):
        return "%d" % v
    a = abs(v)
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.1f" % v
    if a >= 10:
        return "%.2f" % v
    return "%.3f" % v


def bar_ok(bar, ratio, ours):
    """Checks the sftp-server ratio, or for "all" ours' own value."""
    if bar is None:
        return ""
    op, val = bar
    if op == "all":
        return "" if ours is None else ("ok" if ours >= val else "MISS")
    if ratio is None:
        return ""
    return "ok" if (ratio >= val if op == ">=" else ratio <= val) else "MISS"


def bar_text(bar):
    if bar is None:
        return ""
    return ("all %d" % bar[1]) if bar[0] == "all" else "%s%.1f" % bar


def table(res, servers_present):
    cols = ["ours", "openssh", "internal"]
    head = ["row", "unit", "ours", "sftp-server", "internal-sftp",
            "ours/sftp-server", "ours/internal", "bar", ""]
    present = {s.key for s in servers_present}
    extras = [e for e in EXTRA_COLS if e[0] in present]
    for key, label, rlabel in extras:  # --quota, --pg: a column and its ratio to ours
        cols.append(key)
        head[-1:-1] = [label, rlabel]
    lines, out_rows = [], []
    section = None
    for r in res.rows:
        med = {k: res.median(r["id"], k) for k in cols}
        ratio = {}
        for other in ("openssh", "internal"):
            a, b = med["ours"], med[other]
            ratio[other] = (a / b) if (a is not None and b not in (None, 0) and
                                       r["unit"] != "count") else None
        bar = r["bar"]
        verdict = bar_ok(bar, ratio["openssh"], med["ours"])
        cells = [r["label"], r["unit"]] + [fmt(med[k]) for k in cols[:3]] + \
            [fmt(ratio["openssh"]), fmt(ratio["internal"]), bar_text(bar)]
        for key, _, _ in extras:
            a, b = med[key], med["ours"]
            ratio[key] = (a / b) if (a is not None and b not in (None, 0) and
                                     r["unit"] != "count") else None
            cells += [fmt(med[key]), fmt(ratio[key])]
        cells.append(verdict)
        if r["section"] != section:
            section = r["section"]
            lines.append(("#", section))
        lines.append(cells)
        out_rows.append(dict(section=r["section"], row=r["label"], unit=r["unit"],
                             better=r["better"],
                             bar=bar_text(bar) or None,
                             values={k: res.vals[r["id"]].get(k, []) for k in cols},
                             median=med, notes=res.notes[r["id"]],
                             ratio_sftp_server=ratio["openssh"],
                             ratio_internal_sftp=ratio["internal"],
                             ratio_quota_ours=ratio.get("quota"),
                             ratio_pg_ours=ratio.get("pg"),
                             ratio_bolt_ours=ratio.get("bolt"),
                             ratio_actions_ours=ratio.get("actions"),
                             verdict=verdict or None))
    widths = [max(len(head[i]), *(len(c[i]) for c in lines if c[0] != "#"))
              for i in range(len(head))]
    text = []
    sep = "  "

    def fmt_line(cells):
        return sep.join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i])
                        for i, c in enumerate(cells)).rstrip()
    text.append(fmt_line(head))
    text.append("-" * len(text[0]))
    for c in lines:
        if c[0] == "#":
            text.append("[%s]" % c[1])
        else:
            text.append(fmt_line(c))
    return "\n".join(text), out_rows


# ---------------------------------------------------------------- tests

class Bench:
    def __init__(self, args, env, servers, sizes):
        self.args = args
        self.env = env
        self.servers = servers  # ordered list, including failed ones
        self.s = sizes
        self.res = Results()
        self.failed = {}  # (test, server key) -> reason: skip later rounds

    def live(self):
        return [s for s in self.servers if s.ok]

    def rounds(self, name, fn, servers=None, rounds=None):
        """A B C A B C ...: every round runs fn on every live server in turn."""
        servers = servers if servers is not None else self.live()
        n = rounds or self.s["rounds"]
        for rnd in range(n):
            for srv in servers:
                if (name, srv.key) in self.failed:
                    continue
                log("%s: round %d/%d on %s" % (name, rnd + 1, n, srv.key))
                try:
                    fn(srv)
                except (BenchError, ArithmeticError, IndexError, ValueError, OSError) as e:
                    log("  %s failed on %s: %s: %s" % (name, srv.key, type(e).__name__, e))
                    self.failed[(name, srv.key)] = str(e)
                    self.note_fail(name, srv.key, str(e))
                finally:
                    if srv.background_work:
                        # its actions still running would slow the next
                        # server's round, not its own
                        srv.quiesce(timeout=60)
                    if srv.host_dir and os.path.isdir(srv.host_dir):
                        clear_dir(srv.host_dir)
                    clear_dir(os.path.join(self.env.base, "dl"))

    def note_fail(self, name, skey, why):
        for r in self.res.rows:
            if r["id"].startswith(name + ":"):
                self.res.na(r["id"], skey, why[:200])

    def check_size(self, path, size):
        try:
            got = os.path.getsize(path)
        except OSError:
            raise BenchError("%s missing after transfer" % path)
        if got != size:
            raise BenchError("%s has %d bytes, expected %d" % (path, got, size))

    def count_files(self, path, n):
        try:
            got = len(os.listdir(path))
        except OSError:
            raise BenchError("%s missing after transfer" % path)
        if got != n:
            raise BenchError("%s holds %d files, expected %d" % (path, got, n))

    # a) 1 GiB put and get in one session per cipher
    def t_sftp(self):
        size = self.s["big"]
        src = self.env.big_file(size)
        dst = os.path.join(self.env.base, "dl", "big.bin")
        sec = "a) SFTP %s put/get (sftp client)" % human(size)
        for short, cipher in CIPHERS:
            name = "sftp-" + short
            for d in ("put", "get"):
                self.res.define("%s:%s-mbs" % (name, d), sec,
                                "%s %s" % (d, short), "MB/s", "higher", (">=", 1.0))
                self.res.define("%s:%s-cpu" % (name, d), sec,
                                "%s %s server CPU" % (d, short), "s/GiB", "lower",
                                ("<=", 0.9))
            batch = write_batch(self.env, "sftp.batch",
                                ["pwd", "put %s up.bin" % src, "get up.bin %s" % dst, "pwd"] + TAIL)

            def one(srv, cipher=cipher, name=name, batch=batch):
                marks = run_marked(sftp_argv(self.env, srv, batch, cipher),
                                   snap_at=(1, 2, 3), snap=lambda _pid: srv.cpu())
                if len(marks) != 4 + len(TAIL):
                    raise BenchError("unexpected sftp output: %r" % marks)
                self.check_size(dst, size)
                for i, d in ((1, "put"), (2, "get")):
                    dt = span(marks, i, i + 1)
                    cpu = marks[i + 1][1] - marks[i][1]
                    self.res.add("%s:%s-mbs" % (name, d), srv.key, size / dt / 1e6)
                    self.res.add("%s:%s-cpu" % (name, d), srv.key, cpu / (size / GIB))
            self.rounds(name, one)

    # b) scp -O
    def t_scp(self):
        size = self.s["scp"]
        src = self.env.big_file(size)
        dst = os.path.join(self.env.base, "dl", "scp.bin")
        sec = "b) SCP %s (scp -O, %s)" % (human(size), DEFAULT_CIPHER.split("@")[0])
        for d in ("upload", "download"):
            self.res.define("scp:%s-mbs" % d, sec, d, "MB/s", "higher", (">=", 1.0))
            self.res.define("scp:%s-cpu" % d, sec, "%s server CPU" % d, "s/GiB", "lower",
                            ("<=", 0.9))
        for srv in self.live():
            if not srv.scp_ok:
                self.note_fail("scp", srv.key, "ForceCommand internal-sftp: no scp")
        remote = "%s@127.0.0.1:" % self.env.user

        def one(srv):
            base = ["scp", "-O", "-q", "-P", str(srv.port)] + ssh_opts(self.env)
            for d, argv, check in (
                    ("upload", base + [src, remote + "scp.bin"],
                     os.path.join(srv.host_dir, "scp.bin")),
                    ("download", base + [remote + "scp.bin", dst], dst)):
                c0 = srv.quiesce()
                t0 = time.monotonic()
                run(argv, timeout=600)
                dt = time.monotonic() - t0
                c1 = srv.quiesce()
                self.check_size(check, size)
                self.res.add("scp:%s-mbs" % d, srv.key, size / dt / 1e6)
                self.res.add("scp:%s-cpu" % d, srv.key, (c1 - c0) / (size / GIB))
        self.rounds("scp", one, [s for s in self.live() if s.scp_ok])

    # c) small files, put -r then get -r in one session
    def small_files_batch(self, n):
        src = self.env.small_tree(n, self.s["fsize"])
        dst = os.path.join(self.env.base, "dl", "small")
        batch = write_batch(self.env, "small.batch",
                            ["pwd", "put -r %s sdir" % src, "get -r sdir %s" % dst, "pwd"] + TAIL)
        return batch, dst

    def t_small(self):
        n = self.s["nfiles"]
        sec = "c) %d files of %d B, put -r then get -r, one session" % (n, self.s["fsize"])
        for d in ("put", "get"):
            self.res.define("small:%s" % d, sec, "%s -r" % d, "files/s", "higher",
                            (">=", 1.2))
        batch, dst = self.small_files_batch(n)

        def one(srv):
            marks = run_marked(sftp_argv(self.env, srv, batch))
            self.count_files(os.path.join(srv.host_dir, "sdir"), n)
            self.count_files(dst, n)
            self.res.add("small:put", srv.key, n / span(marks, 1, 2))
            self.res.add("small:get", srv.key, n / span(marks, 2, 3))
        self.rounds("small", one)

    # d) metadata operations in one session
    def t_meta(self):
        n = self.s["meta"] // 5 * 5
        sec = "d) %d metadata ops in one session (mkdir rename ls stat rmdir)" % n
        self.res.define("meta:ops", sec, "metadata ops", "ops/s", "higher", (">=", 1.2))
        statme = self.env.big_file(4096, "stat")
        lines = ["put %s statme" % statme, "mkdir meta"]
        first = len(lines)
        for i in range(n // 5):
            lines += ["mkdir meta/m%d" % i, "rename meta/m%d meta/n%d" % (i, i),
                      "ls meta/n%d" % i, "ls -l statme", "rmdir meta/n%d" % i]
        lines.append("pwd")
        last = len(lines) - 1
        lines += TAIL
        batch = write_batch(self.env, "meta.batch", lines)

        def one(srv):
            marks = run_marked(sftp_argv(self.env, srv, batch))
            if len(marks) != len(lines):
                raise BenchError("%d of %d commands echoed" % (len(marks), len(lines)))
            self.res.add("meta:ops", srv.key, n / span(marks, first, last))
        self.rounds("meta", one)

    # e) logins: sequential and a concurrent burst
    def t_logins(self):
        n, burst = self.s["logins"], self.s["burst"]
        sec = "e) logins (connect, publickey auth, sftp pwd, exit)"
        self.res.define("login:seq", sec, "%d sequential" % n, "logins/s", "higher",
                        (">=", 1.5))
        self.res.define("login:seq-cpu", sec, "sequential server CPU", "ms/login", "lower")
        self.res.define("login:burst", sec, "burst of %d concurrent" % burst, "logins/s",
                        "higher")
        self.res.define("login:burst-cpu", sec, "burst server CPU", "ms/login", "lower")
        self.res.define("login:burst-err", sec, "burst failures", "count", "lower")
        batch = write_batch(self.env, "pwd.batch", ["pwd"])

        def one(srv):
            argv = sftp_argv(self.env, srv, batch)
            c0 = srv.quiesce()
            t0 = time.monotonic()
            for _ in range(n):
                run(argv, timeout=60)
            dt = time.monotonic() - t0
            c1 = srv.quiesce()
            self.res.add("login:seq", srv.key, n / dt)
            self.res.add("login:seq-cpu", srv.key, (c1 - c0) / n * 1000)
            c0 = srv.quiesce()
            t0 = time.monotonic()
            procs = [spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for _ in range(burst)]
            bad = sum(1 for rc in reap_all(procs, 120) if rc != 0)
            dt = time.monotonic() - t0
            c1 = srv.quiesce()
            good = burst - bad
            self.res.add("login:burst", srv.key, good / dt if good else 0.0)
            self.res.add("login:burst-cpu", srv.key, (c1 - c0) / burst * 1000)
            self.res.add("login:burst-err", srv.key, bad)
        self.rounds("login", one)

    # g) the defender: a password-guessing address beside a user logging in
    def t_defender(self):
        n_att = self.args.attempts
        sec = ("g) defender: %d failed passwords from 127.0.0.2 while 127.0.0.1 logs "
               "in (publickey, sftp pwd, exit)" % n_att)
        self.res.define("defender:idle", sec, "login latency, idle server", "ms", "lower")
        self.res.define("defender:attack", sec, "login latency during the attack", "ms",
                        "lower")
        self.res.define("defender:ratio", sec, "attack / idle", "ratio", "lower")
        self.res.define("defender:scored", sec, "attempts that reached authentication",
                        "count", "lower")
        self.res.define("defender:secs", sec, "attack duration", "s", "lower")
        if shutil.which("sshpass") is None:
            raise BenchError("sshpass is not installed")
        batch = write_batch(self.env, "pwd.batch", ["pwd"])

        def login_ms(srv):
            t0 = time.monotonic()
            run(sftp_argv(self.env, srv, batch), timeout=60)
            return (time.monotonic() - t0) * 1000

        def attack(srv, done, prompted):
            argv = ["sshpass", "-p", "wrong", "ssh", "-F", "/dev/null",
                    "-o", "BindAddress=127.0.0.2", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                    "-o", "PreferredAuthentications=password",
                    "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
                    "-o", "ConnectTimeout=10", "-p", str(srv.port),
                    "%s@127.0.0.1" % self.env.user, "true"]
            try:
                for _ in range(n_att):
                    err = subprocess.run(argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, timeout=30).stderr
                    # the password was asked for and refused (a connection
                    # closed at accept never gets that far)
                    prompted[0] += b"Permission denied" in err
            finally:
                done.set()

        def one(srv):
            if srv.key not in ("ours", "defender"):
                raise BenchError("only ours and ours+defender (--defender)")
            if srv.key == "defender":  # a new round starts unbanned
                subprocess.run([self.args.sftpgo_bin, "defender", "unban", "--ip",
                                "127.0.0.2", "--config-dir", srv.config_dir()],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            srv.quiesce()
            idle = [login_ms(srv) for _ in range(self.s["logins"])]
            done, prompted = threading.Event(), [0]
            t0 = time.monotonic()
            th = threading.Thread(target=attack, args=(srv, done, prompted), daemon=True)
            th.start()
            busy = []
            while not done.is_set():
                busy.append(login_ms(srv))
            th.join()
            secs = time.monotonic() - t0
            if not busy:
                raise BenchError("no login completed during the attack")
            i, b = statistics.median(idle), statistics.median(busy)
            self.res.add("defender:idle", srv.key, i)
            self.res.add("defender:attack", srv.key, b)
            self.res.add("defender:ratio", srv.key, b / i)
            self.res.add("defender:scored", srv.key, prompted[0])
            self.res.add("defender:secs", srv.key, secs)
        self.rounds("defender", one, rounds=1)

    # h) the REST API: GET /api/v1/user with 1,000 users; logins while it is hammered
    def t_api(self):
        n_users = self.args.api_users
        sec = ("h) REST API: GET /api/v1/user (default page: 100) with %d users; "
               "sequential logins (publickey, sftp pwd, exit) while %d clients "
               "hammer that route" % (n_users, API_CLIENTS))
        self.res.define("api:rps", sec, "GET /api/v1/user, %d keep-alive clients" %
                        API_CLIENTS, "req/s", "higher")
        self.res.define("api:idle", sec, "login latency, idle API", "ms", "lower")
        self.res.define("api:busy", sec, "login latency, API hammered", "ms", "lower")
        self.res.define("api:ratio", sec, "hammered / idle", "ratio", "lower",
                        ("<=", 1.2))
        self.res.define("api:busy-rps", sec, "API requests/s meanwhile", "req/s",
                        "higher")
        batch = write_batch(self.env, "pwd.batch", ["pwd"])
        added = set()

        def login_ms(srv):
            t0 = time.monotonic()
            run(sftp_argv(self.env, srv, batch), timeout=60)
            return (time.monotonic() - t0) * 1000

        def add_users(srv):
            if srv.key in added:
                return
            pub = open(self.env.key + ".pub").read().strip()
            for i in range(n_users - 1):  # the bench user is one of them
                st, body = srv.request("POST", "/api/v1/user", {
                    "username": "api-bench-%04d" % i, "home_dir": srv.host_dir,
                    "uid": self.env.uid, "gid": self.env.gid, "status": 1,
                    "permissions": {"/": ["*"]}, "public_keys": [pub]})
                if st != 200:
                    raise BenchError("POST /api/v1/user: %d %s" % (st, body[:200]))
            added.add(srv.key)

        def load(srv, until):
            """API_CLIENTS keep-alive clients hammering until until() returns; req/s.
            They are threads of a process of their own, a client apart from the
            one timing the logins: as threads of this process they would hold the
            GIL the login timer needs to wake (the ratio came out the same both
            ways in session 11: 1.74 apart, 1.78 as threads, one run each)."""
            p = subprocess.Popen([sys.executable, "-c", HAMMER, str(srv.http_port),
                                  str(API_CLIENTS)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True,
                                 preexec_fn=_normal_priority)
            try:
                if p.stdout.readline().strip() != "ready":
                    raise BenchError("the API clients did not start")
                t0 = time.monotonic()
                until()
                p.stdin.close()
                out = p.stdout.read().split()
                secs = time.monotonic() - t0
            finally:
                if p.poll() is None and not p.stdin.closed:
                    p.stdin.close()
                p.wait(timeout=60)
            if p.returncode != 0 or not out or not out[-1].isdigit():
                raise BenchError("the API clients failed: %s" % " ".join(out)[:200])
            return int(out[-1]) / secs

        def one(srv):
            # OpenSSH has no API: its logins are timed while ours is hammered,
            # the control for what the load costs any server on this machine
            api = srv if srv.key == "api" else next(
                (x for x in self.live() if x.key == "api"), None)
            if api is None or srv.key not in ("api", "openssh"):
                raise BenchError("ours with the REST API (--api), and OpenSSH "
                                 "beside it as the control")
            add_users(api)
            srv.quiesce()
            if srv is api:
                self.res.add("api:rps", srv.key,
                             load(srv, lambda: time.sleep(self.s["api_secs"])))
                srv.quiesce()
            idle = [login_ms(srv) for _ in range(self.s["logins"])]
            busy = []

            def logins():
                for _ in range(self.s["logins"]):
                    busy.append(login_ms(srv))
            rps = load(api, logins)
            i, b = statistics.median(idle), statistics.median(busy)
            self.res.add("api:idle", srv.key, i)
            self.res.add("api:busy", srv.key, b)
            self.res.add("api:ratio", srv.key, b / i)
            self.res.add("api:busy-rps", srv.key, rps)
        self.rounds("api", one)

    # f) idle authenticated sessions held open
    def t_idle(self):
        n = self.args.sessions or self.s["idle"]
        rounds = self.s["rounds"] if n <= 200 else 1
        sec = "f) %d idle authenticated SFTP sessions held open%s" % (
            n, "" if rounds > 1 else " (1 round)")
        self.res.define("idle:pss", sec, "memory per session (PSS)", "KiB", "lower",
                        ("<=", 1.0))
        self.res.define("idle:priv", sec, "memory per session (private)", "KiB", "lower")
        self.res.define("idle:held", sec, "sessions held", "count", "higher", ("all", n))
        self.res.define("idle:rate", sec, "open rate (waves of 50)", "sessions/s", "higher")

        def one(srv):
            srv.quiesce()
            base_pss, base_priv = srv.mem()
            t0 = time.monotonic()
            procs, held = [], 0
            try:
                for start in range(0, n, 50):
                    wave = [open_idle_session(self.env, srv)
                            for _ in range(min(50, n - start))]
                    procs += wave
                    deadline = time.monotonic() + 90
                    held += sum(1 for p in wave if wait_sftp_version(p, deadline))
                dt = time.monotonic() - t0
                srv.settle(timeout=5)
                pss, priv = srv.mem()
            finally:
                for p in procs:
                    try:
                        p.stdin.close()
                    except OSError:
                        pass
                reap_all(procs, 20)
                for p in procs:
                    p.stdout.close()
                srv.settle(timeout=10)
            if held == 0:
                raise BenchError("no session could be opened")
            self.res.add("idle:pss", srv.key, (pss - base_pss) / held)
            self.res.add("idle:priv", srv.key, (priv - base_priv) / held)
            self.res.add("idle:held", srv.key, held)
            self.res.add("idle:rate", srv.key, held / dt)
        self.rounds("idle", one, rounds=rounds)

    # g) parallel uploads
    def t_parallel(self):
        k, size = self.s["par_n"], self.s["par_size"]
        sec = "g) %d parallel %s uploads (one session each)" % (k, human(size))
        self.res.define("par:mbs", sec, "aggregate", "MB/s", "higher")
        self.res.define("par:cpu", sec, "server CPU", "s/GiB", "lower")
        src = self.env.big_file(size, "par")
        batches = [write_batch(self.env, "par%d.batch" % i, ["put %s p%d.bin" % (src, i)])
                   for i in range(k)]

        def one(srv):
            c0 = srv.quiesce()
            t0 = time.monotonic()
            procs = [spawn(sftp_argv(self.env, srv, b), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) for b in batches]
            bad = sum(1 for rc in reap_all(procs, 900) if rc != 0)
            dt = time.monotonic() - t0
            c1 = srv.quiesce()
            if bad:
                raise BenchError("%d of %d uploads failed" % (bad, k))
            for i in range(k):
                self.check_size(os.path.join(srv.host_dir, "p%d.bin" % i), size)
            self.res.add("par:mbs", srv.key, k * size / dt / 1e6)
            self.res.add("par:cpu", srv.key, (c1 - c0) / (k * size / GIB))
        self.rounds("par", one)

    # worker alone: sftp -D, no SSH
    def t_worker(self, ours_worker):
        size, n = self.s["wbig"], self.s["wfiles"]
        sec = "worker alone (sftp -D, no SSH): sftpgo-worker vs sftp-server"
        for d in ("put", "get"):
            self.res.define("worker:%s-mbs" % d, sec, "%s %s" % (d, human(size)), "MB/s",
                            "higher")
            self.res.define("worker:%s-cpu" % d, sec, "%s worker CPU" % d, "s/GiB", "lower")
        for d in ("put", "get"):
            self.res.define("worker:small-%s" % d, sec, "%d files %s -r" % (n, d),
                            "files/s", "higher")
        src = self.env.big_file(size)
        dst = os.path.join(self.env.base, "dl", "wbig.bin")
        big_batch = write_batch(self.env, "wbig.batch",
                                ["pwd", "put %s up.bin" % src, "get up.bin %s" % dst, "pwd"] + TAIL)
        small_batch, small_dst = self.small_files_batch(n)
        progs = [WorkerProg("openssh", SFTP_SERVER, self.env)]
        if ours_worker:
            progs.insert(0, WorkerProg("ours", ours_worker, self.env))
        else:
            self.note_fail("worker", "ours", "sftpgo-worker not built")

        def one(w):
            # the program starts in its own directory, exactly like sftp-server
            argv = ["sftp", "-b", big_batch, "-D", w.cmdline]
            marks = run_marked(argv, snap_at=(1, 2, 3), snap=w.cpu_of, cwd=w.dir)
            self.check_size(dst, size)
            for i, d in ((1, "put"), (2, "get")):
                dt = span(marks, i, i + 1)
                cpu = marks[i + 1][1] - marks[i][1]
                self.res.add("worker:%s-mbs" % d, w.key, size / dt / 1e6)
                self.res.add("worker:%s-cpu" % d, w.key, cpu / (size / GIB))
            clear_dir(w.dir)
            clear_dir(os.path.join(self.env.base, "dl"))
            marks = run_marked(["sftp", "-b", small_batch, "-D", w.cmdline], cwd=w.dir)
            self.count_files(os.path.join(w.dir, "sdir"), n)
            self.count_files(small_dst, n)
            self.res.add("worker:small-put", w.key, n / span(marks, 1, 2))
            self.res.add("worker:small-get", w.key, n / span(marks, 2, 3))
        self.rounds("worker", one, servers=progs)


class WorkerProg:
    """An SFTP server program run by `sftp -D` (child of the sftp client)."""

    def __init__(self, key, path, env):
        self.key = key
        self.dir = os.path.join(env.base, "worker-" + key)
        os.makedirs(self.dir, exist_ok=True)
        self.host_dir = self.dir
        # stdbuf's LD_PRELOAD must not reach the server program
        self.cmdline = "/usr/bin/env -u LD_PRELOAD -u _STDBUF_O %s" % path

    @staticmethod
    def cpu_of(sftp_pid):
        # the program is the child of the sftp client (env execs it in place)
        return tree_cpu(sftp_pid, exclude_root=True)


def open_idle_session(env, srv):
    """`ssh -s ... sftp`: one process per session; we speak SFTP ourselves."""
    p = spawn(["ssh"] + ssh_opts(env) + ["-p", str(srv.port), "-s",
                                         "%s@127.0.0.1" % env.user, "sftp"],
              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    # SSH_FXP_INIT, version 3
    p.stdin.write(b"\x00\x00\x00\x05\x01\x00\x00\x00\x03")
    p.stdin.flush()
    return p


def wait_sftp_version(p, deadline):
    """True when the server answered SSH_FXP_VERSION: authenticated and serving."""
    fd = p.stdout.fileno()
    buf = b""
    while time.monotonic() < deadline:
        if not wait_readable(fd, deadline):
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            return False
        buf += chunk
        if len(buf) >= 5:
            ln = int.from_bytes(buf[:4], "big")
            if buf[4] != 2:
                return False
            if len(buf) >= 4 + ln:
                return True
    return False


def human(n):
    if n >= GIB and n % GIB == 0:
        return "%d GiB" % (n // GIB)
    if n >= MIB:
        return "%d MiB" % (n // MIB)
    return "%d KiB" % (n // 1024)


# ---------------------------------------------------------------- machine

def machine_info(args):
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return None

    def cmd(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, cwd=REPO,
                                  timeout=10).stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            return None
    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return None

    def cpuidle():
        """How an idle vCPU waits: with the haltpoll governor and a poll window of
        0 every wake-up of a sleeping process on the other core is a halt exit,
        which doubles the round-trip rows for every server (doc/performance.md)."""
        gov = read("/sys/devices/system/cpu/cpuidle/current_governor")
        poll_ns = read("/sys/module/haltpoll/parameters/guest_halt_poll_ns")
        if gov and poll_ns is not None and gov == "haltpoll":
            return "%s, guest_halt_poll_ns %s" % (gov, poll_ns)
        return gov
    ssh_v = subprocess.run(["ssh", "-V"], capture_output=True, text=True).stderr.strip()
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": first("/proc/cpuinfo", "model name"),
        "mem_total": first("/proc/meminfo", "MemTotal"),
        "kernel": platform.release(),
        "cpuidle": cpuidle(),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
        "openssh": ssh_v,
        "commit": cmd(["git", "rev-parse", "--short=12", "HEAD"]),
        "dirty": bool(cmd(["git", "status", "--porcelain", "--untracked-files=no"])),
        "sftpgo_version": cmd([args.sftpgo_bin, "-v"]),
    }


# ---------------------------------------------------------------- main

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="reduced set (same as --sizes quick), under 3 minutes")
    ap.add_argument("--sizes", choices=sorted(PROFILES), default=None,
                    help="full (default), quick, or tiny (for developing the bench)")
    ap.add_argument("--rounds", type=int, help="rounds per test (default 3)")
    ap.add_argument("--sessions", type=int,
                    help="idle sessions for f) (default 200; e.g. 1000)")
    ap.add_argument("--sftpgo-bin", default=os.path.join(REPO, "sftpgo"))
    ap.add_argument("--libexec-dir", default=REPO,
                    help="directory holding sftpgo-worker and sftpgo-session")
    ap.add_argument("--servers", default="ours,openssh,internal",
                    help="comma list of ours,openssh,internal,quota,pg,bolt,actions")
    ap.add_argument("--quota", action="store_true",
                    help="also run ours with quota tracking on and a quota on the "
                         "bench user (server \"quota\"; column quota/ours)")
    ap.add_argument("--pg", action="store_true",
                    help="also run ours with its accounts in PostgreSQL 15 (server "
                         "\"pg\"; column pg/ours)")
    ap.add_argument("--bolt", action="store_true",
                    help="also run ours with the bolt (LMDB) data provider "
                         "(server \"bolt\"; column bolt/ours)")
    ap.add_argument("--actions", action="store_true",
                    help="also run ours with an upload and download action "
                         "(server \"actions\"; column actions/ours)")
    ap.add_argument("--defender", action="store_true",
                    help="also run ours with common.defender enabled (server "
                         "\"defender\"; column defender/ours; test \"defender\")")
    ap.add_argument("--attempts", type=int, default=1000,
                    help="failed password attempts of the defender test (default 1000)")
    ap.add_argument("--api", action="store_true",
                    help="also run ours with the REST API on (server \"api\"; column "
                         "api/ours; test \"api\")")
    ap.add_argument("--api-users", type=int, default=1000,
                    help="users in the provider for the api test (default 1000)")
    ap.add_argument("--only", default="",
                    help="comma list of tests: sftp,scp,small,meta,login,idle,par,worker,"
                         "defender,api (not run by default: --only defender --defender, "
                         "--only api --api)")
    ap.add_argument("--port-base", type=int, default=47000)
    ap.add_argument("--json", help="JSON output file (default bench/results/<time>.json)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (debugging)")
    a = ap.parse_args()
    if a.quota and "quota" not in a.servers.split(","):
        a.servers += ",quota"
    if a.pg and "pg" not in a.servers.split(","):
        a.servers += ",pg"
    if a.bolt and "bolt" not in a.servers.split(","):
        a.servers += ",bolt"
    if a.actions and "actions" not in a.servers.split(","):
        a.servers += ",actions"
    if a.defender and "defender" not in a.servers.split(","):
        a.servers += ",defender"
    if a.api and "api" not in a.servers.split(","):
        a.servers += ",api"
    if a.sizes is None:
        a.sizes = "quick" if a.quick else "full"
    return a


TESTS = ["sftp", "scp", "small", "meta", "login", "idle", "par", "worker", "defender",
         "api"]
DEFAULT_TESTS = [t for t in TESTS if t not in ("defender", "api")]


def main():
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: must run as root (sshd, chroot, uid mapping)")
    sizes = dict(PROFILES[args.sizes])
    if args.rounds:
        sizes["rounds"] = args.rounds
    only = [t for t in args.only.split(",") if t] or DEFAULT_TESTS
    for t in only:
        if t not in TESTS:
            sys.exit("bench: unknown test %r (known: %s)" % (t, ",".join(TESTS)))
    wanted = [s for s in args.servers.split(",") if s]
    t_start = time.monotonic()
    become_subreaper()
    raise_priority()
    env = Env(args)
    servers = []

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    except (ValueError, OSError):
        pass
    info = machine_info(args)
    try:
        env.setup()
        port = args.port_base
        for key in SERVER_KEYS:
            if key not in wanted:
                continue
            while not port_free(port):
                port += 1
            if key in ("ours", "quota", "pg", "bolt", "actions", "defender", "api"):
                cls = {"ours": Ours, "quota": OursQuota, "pg": OursPg,
                       "bolt": OursBolt, "actions": OursActions,
                       "defender": OursDefender, "api": OursApi}[key]
                srv = cls(env, port, args.sftpgo_bin, args.libexec_dir)
            else:
                srv = OpenSSH(env, port, chroot=(key == "internal"))
            port += 1
            servers.append(srv)
            try:
                srv.start()
                srv.settle()
                # one login proves the setup and warms caches
                run(sftp_argv(env, srv, write_batch(env, "pwd.batch", ["pwd"])), timeout=60)
                srv.settle()
                srv.ok, srv.reason = True, ""
                log("%s listening on 127.0.0.1:%d (pid %d, %d idle processes)" %
                    (key, srv.port, srv.root, srv.idle_count))
            except BenchError as e:
                srv.reason = str(e)[:300]
                log("%s cannot start: its rows print n/a (%s)" % (key, srv.reason))
                srv.stop()
        b = Bench(args, env, servers, sizes)
        for t in only:
            if t == "worker":
                w = os.path.join(args.libexec_dir, "sftpgo-worker")
                b.t_worker(w if os.access(w, os.X_OK) else None)
            elif b.live():
                {"sftp": b.t_sftp, "scp": b.t_scp, "small": b.t_small,
                 "meta": b.t_meta, "login": b.t_logins, "idle": b.t_idle,
                 "par": b.t_parallel, "defender": b.t_defender,
                 "api": b.t_api}[t]()
        for srv in servers:
            if not srv.ok:
                for r in b.res.rows:
                    if not r["id"].startswith("worker:"):
                        b.res.na(r["id"], srv.key, "server did not start: " + srv.reason)
        text, rows = table(b.res, servers)
        elapsed = time.monotonic() - t_start
        info["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
        header = ("sftpgo bench (%s sizes, %d rounds, medians) %s, %s, %d cores, %s, "
                  "kernel %s, cpuidle %s, commit %s%s; %.0f s" %
                  (args.sizes, sizes["rounds"], info["date"], info["cpu"], info["nproc"],
                   info["openssh"], info["kernel"], info["cpuidle"] or "n/a",
                   info["commit"],
                   "+dirty" if info["dirty"] else "", elapsed))
        print(header)
        print(text)
        miss = ["%s: %s" % (r["section"].split(")")[0], r["row"]) for r in rows
                if r["verdict"] == "MISS"]
        n_ok = sum(1 for r in rows if r["verdict"] == "ok")
        print("bar: %d ok, %d MISS%s" % (n_ok, len(miss),
                                         (" (" + "; ".join(miss) + ")") if miss else ""))
        for srv in servers:
            if not srv.ok:
                print("%s: n/a, %s" % (SERVER_LABELS[srv.key], srv.reason))
        for (name, key), why in sorted(b.failed.items()):
            print("%s on %s: n/a, %s" % (name, key, why[:200]))
        out = args.json or os.path.join(HERE, "results",
                                        "bench-%s.json" % time.strftime("%Y%m%dT%H%M%S"))
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w") as f:
            json.dump(dict(machine=info, profile=args.sizes, sizes=sizes,
                           seconds=round(elapsed, 1),
                           servers={s.key: dict(ok=s.ok, reason=s.reason, port=s.port)
                                    for s in servers},
                           rows=rows), f, indent=2)
        print("JSON: %s" % out)
    except KeyboardInterrupt:
        log("interrupted: cleaning up")
        return 130
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        for p in list(_children.values()):
            if p.poll() is None:
                kill_group(p)
        for srv in servers:
            try:
                srv.stop()
            except Exception as e:  # keep cleaning up
                log("stop %s: %s" % (srv.key, e))
        for p in list(_children.values()):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            _children.pop(p.pid, None)
        reap_orphans()
        if not args.keep:
            env.cleanup()
        else:
            log("kept %s (user %s still exists)" % (env.base, env.user))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--reaper-shim":
        reaper_shim(sys.argv[2:])
    sys.exit(main())
