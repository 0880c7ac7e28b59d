#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# A local HTTP receiver for the hooks tests: every request becomes one JSON line
# (method, raw path with its query, the headers the tests check, the body) in
# OUT. How it answers is read from MODEFILE at each request: ok (200), 500,
# redirect (302 to /elsewhere), slow (waits 20 s, then 200), big (200 with 1 MiB).
# With CERT and KEY (PEM files) it speaks HTTPS: a client that does not trust
# CERT's issuer fails its handshake and is not recorded.
# Usage: hook-receiver.py PORT OUT MODEFILE [CERT KEY]
import http.server
import json
import socketserver
import ssl
import sys
import time

PORT, OUT, MODEFILE = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def record(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        rec = {"method": self.command, "path": self.path,
               "content_type": self.headers.get("Content-Type", ""),
               "user_agent": self.headers.get("User-Agent", ""), "body": body}
        with open(OUT, "a") as f:
            f.write(json.dumps(rec) + "\n")
        try:
            with open(MODEFILE) as f:
                return f.read().strip()
        except OSError:
            return "ok"

    def answer(self):
        mode = self.record()
        if mode == "slow":
            time.sleep(20)
        payload = b"x" * (1024 * 1024) if mode == "big" else b"ok\n"
        if mode == "500":
            self.send_response(500)
        elif mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except OSError:
            pass

    do_GET = answer
    do_POST = answer

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a refused TLS handshake: the client logs it


srv = Server(("127.0.0.1", PORT), Handler)
if len(sys.argv) > 5:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    # the handshake runs in the request's thread, not in accept()
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                 do_handshake_on_connect=False)
srv.serve_forever()
