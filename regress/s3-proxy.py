#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# An S3 front for regress/t-serve-s3.sh, between sftpgo's workers and the real S3
# server (s3rver, which does not verify SigV4 signatures itself):
#  - every request's AWS SigV4 signature is checked against ACCESS_KEY/SECRET
#    (403 SignatureDoesNotMatch otherwise), so the test proves libcurl signs right;
#  - faults on demand, set with an unsigned "POST /__fault?mode=M&n=N":
#      500       answer 500 InternalError to the next N requests
#      droppart  read half of the next N UploadPart bodies, then drop the connection
#      down      answer 500 to everything until mode "off"
#      downput   answer 500 to every PUT and POST (uploads) until mode "off"
#  - counters at "GET /__stats" (JSON): requests by operation, faults served.
# Usage: s3-proxy.py LISTEN_PORT UPSTREAM_PORT ACCESS_KEY SECRET
import hashlib
import hmac
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, UPSTREAM, AK, SECRET = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lock = threading.Lock()
fault = {"mode": "off", "n": 0}
stats = {"requests": 0, "bad_signature": 0, "faults": 0, "UploadPart": 0,
         "CreateMultipartUpload": 0, "CompleteMultipartUpload": 0,
         "AbortMultipartUpload": 0, "PutObject": 0, "GetRange": 0, "Copy": 0}


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def canonical_query(raw):
    pairs = []
    for part in raw.split("&") if raw else []:
        k, _, v = part.partition("=")
        k = urllib.parse.unquote(k)
        v = urllib.parse.unquote(v)
        pairs.append((urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~")))
    return "&".join("%s=%s" % p for p in sorted(pairs))


def signature_ok(method, raw_path, headers):
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return False
    fields = dict(f.strip().split("=", 1) for f in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    cred = fields["Credential"].split("/")
    if cred[0] != AK:
        return False
    path, _, query = raw_path.partition("?")
    signed = fields["SignedHeaders"].split(";")
    canon_headers = "".join("%s:%s\n" % (h, " ".join(headers.get(h, "").split())) for h in signed)
    creq = "\n".join([method, path, canonical_query(query), canon_headers,
                      fields["SignedHeaders"], headers.get("x-amz-content-sha256", "")])
    scope = "/".join(cred[1:])
    sts = "\n".join(["AWS4-HMAC-SHA256", headers.get("x-amz-date", ""), scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = sign(("AWS4" + SECRET).encode(), cred[1])
    for p in cred[2:]:
        k = sign(k, p)
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, fields["Signature"])


def operation(method, raw_path, headers):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(raw_path).query, keep_blank_values=True)
    if method == "PUT" and "partNumber" in q:
        return "UploadPart"
    if method == "POST" and "uploads" in q:
        return "CreateMultipartUpload"
    if method == "POST" and "uploadId" in q:
        return "CompleteMultipartUpload"
    if method == "DELETE" and "uploadId" in q:
        return "AbortMultipartUpload"
    if method == "PUT" and "x-amz-copy-source" in headers:
        return "Copy"
    if method == "PUT":
        return "PutObject"
    if method == "GET" and "Range" in headers:
        return "GetRange"
    return method


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, ctype="application/xml"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def control(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/__stats":
            with lock:
                self.reply(200, json.dumps(stats).encode(), "application/json")
            return True
        if u.path == "/__fault":
            q = urllib.parse.parse_qs(u.query)
            with lock:
                fault["mode"] = q.get("mode", ["off"])[0]
                fault["n"] = int(q.get("n", ["0"])[0])
            self.reply(200, b"ok", "text/plain")
            return True
        return False

    def body(self):
        n = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(n) if n > 0 else b""

    def injected(self, op):
        with lock:
            mode = fault["mode"]
            if mode == "down" or (mode == "500" and fault["n"] > 0) or \
                    (mode == "downput" and self.command in ("PUT", "POST")):
                if mode == "500":
                    fault["n"] -= 1
                stats["faults"] += 1
                kind = "500"
            elif mode == "droppart" and op == "UploadPart" and fault["n"] > 0:
                fault["n"] -= 1
                stats["faults"] += 1
                kind = "drop"
            else:
                return False
        if kind == "drop":
            n = int(self.headers.get("Content-Length", "0") or "0")
            self.rfile.read(n // 2)
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        self.body()
        self.reply(500, b"<?xml version=\"1.0\"?><Error><Code>InternalError</Code>"
                   b"<Message>injected by the test</Message></Error>")
        return True

    def handle_any(self):
        if self.control():
            return
        op = operation(self.command, self.path, self.headers)
        with lock:
            stats["requests"] += 1
            stats[op] = stats.get(op, 0) + 1
        if self.injected(op):
            return
        data = self.body()
        if not signature_ok(self.command, self.path, self.headers):
            with lock:
                stats["bad_signature"] += 1
            self.reply(403, b"<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch"
                       b"</Code><Message>checked by s3-proxy.py</Message></Error>")
            return
        conn = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "expect")}
        conn.request(self.command, self.path, body=data if data or self.command in ("PUT", "POST") else None,
                     headers=hdrs)
        r = conn.getresponse()
        payload = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        # a HEAD answer's length is the object's
        self.send_header("Content-Length", r.getheader("Content-Length", "0")
                         if self.command == "HEAD" else str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
