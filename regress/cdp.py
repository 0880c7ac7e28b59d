# SPDX-License-Identifier: BSD-2-Clause
"""A small Chrome DevTools Protocol driver for the web admin's browser test.

Starts Debian's headless chromium on a private profile and a given debugging
port, attaches to its page over the DevTools WebSocket (python3-websocket) and
offers what regress/t-httpd-web.sh needs: navigate and wait for the load, run
JavaScript, click and fill by CSS selector, answer an HTTP basic-auth challenge
(Fetch.authRequired: the browser's own login flow), full-page screenshots.
"""
import base64
import json
import os
import subprocess
import time
import urllib.request

import websocket


class Error(Exception):
    pass


class Browser:
    def __init__(self, port, profile, timeout=60.0):
        self.timeout = timeout
        self.proc = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--disable-dev-shm-usage", "--password-store=basic",
             "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=%d" % port,
             "--user-data-dir=" + profile, "--window-size=1280,900",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile + ".log"), "w"))
        self.next_id = 0
        self.events = []
        self.credentials = None
        self.auth_prompts = 0
        ws_url = None
        deadline = time.time() + timeout
        while ws_url is None:
            if self.proc.poll() is not None:
                raise Error("chromium exited with status %d" % self.proc.returncode)
            if time.time() > deadline:
                raise Error("chromium's DevTools endpoint did not come up")
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=5) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages:
                    ws_url = pages[0]["webSocketDebuggerUrl"]
            except OSError:
                pass
            if ws_url is None:
                time.sleep(0.25)
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                  deviceScaleFactor=1, mobile=False)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # ---- the protocol ----
    def _handle(self, msg):
        """Events that must be answered at once (the auth challenge); others kept."""
        method = msg.get("method")
        if method == "Fetch.requestPaused":
            self._send("Fetch.continueRequest", requestId=msg["params"]["requestId"])
        elif method == "Fetch.authRequired":
            self.auth_prompts += 1
            user, pw = self.credentials or ("", "")
            self._send("Fetch.continueWithAuth", requestId=msg["params"]["requestId"],
                       authChallengeResponse={
                           "response": "ProvideCredentials" if self.credentials else "CancelAuth",
                           "username": user, "password": pw})
        else:
            self.events.append(msg)

    def _send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return self.next_id

    def call(self, method, **params):
        want = self._send(method, **params)
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == want:
                if "error" in msg:
                    raise Error("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self._handle(msg)
        raise Error("%s: no answer" % method)

    def wait_event(self, method):
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    del self.events[i]
                    return e
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self._handle(msg)
        raise Error("no %s event" % method)

    # ---- what the test uses ----
    def basic_auth(self, user, password):
        """Answer the server's 401 challenges with these credentials."""
        self.credentials = (user, password)
        self.call("Fetch.enable", handleAuthRequests=True, patterns=[{"urlPattern": "*"}])

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise Error("JavaScript: %s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r.get("result", {}).get("value")

    def _settle(self):
        """Until the new document is complete."""
        self.wait_event("Page.loadEventFired")
        deadline = time.time() + self.timeout
        while self.eval("document.readyState") != "complete":
            if time.time() > deadline:
                raise Error("the page never completed")
            time.sleep(0.05)

    def goto(self, url):
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        r = self.call("Page.navigate", url=url)
        if r.get("errorText"):
            raise Error("navigate %s: %s" % (url, r["errorText"]))
        self._settle()

    def click_and_wait(self, selector):
        """Click what submits a form or follows a link, then wait for the next page."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.eval("(function(){var e=document.querySelector(%s);"
                  "if(!e) throw new Error('no element ' + %s); e.click();})()"
                  % (json.dumps(selector), json.dumps(selector)))
        self._settle()

    def run_and_wait(self, js):
        """Run JavaScript that navigates (a click found by text), wait for the page."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.eval(js)
        self._settle()

    def fill(self, selector, value):
        self.eval("(function(){var e=document.querySelector(%s);"
                  "if(!e) throw new Error('no element ' + %s); e.value=%s;"
                  "e.dispatchEvent(new Event('input',{bubbles:true}));})()"
                  % (json.dumps(selector), json.dumps(selector), json.dumps(value)))

    def set_files(self, selector, paths):
        """Choose files in a file input, as the user's file dialog does."""
        root = self.call("DOM.getDocument", depth=0)["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector).get("nodeId")
        if not node:
            raise Error("no element " + selector)
        self.call("DOM.setFileInputFiles", files=list(paths), nodeId=node)

    def html(self):
        return self.eval("document.documentElement.outerHTML")

    def text(self, selector="body"):
        return self.eval("(function(){var e=document.querySelector(%s);"
                         "return e ? e.innerText : null;})()" % json.dumps(selector))

    def url(self):
        return self.eval("location.href")

    def screenshot(self, path):
        m = self.call("Page.getLayoutMetrics")
        size = m.get("cssContentSize") or m["contentSize"]
        clip = {"x": 0, "y": 0, "width": max(1280, size["width"]),
                "height": max(400, size["height"]), "scale": 1}
        r = self.call("Page.captureScreenshot", format="png", clip=clip,
                      captureBeyondViewport=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
