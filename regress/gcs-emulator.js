// SPDX-License-Identifier: BSD-2-Clause
// The tests' Google Cloud Storage server: the Cloud Storage emulator of npm's
// firebase-tools (contrib/install-deps.sh installs it under /opt/sftpgo-test-gcs),
// its GCS JSON API endpoints (apis/gcloud.js) served here without the rest of the
// firebase CLI, whose emulator start insists on Java 21 for the Firebase security
// rules runtime that the JSON API (admin access) never uses. In front of them:
//   - an OAuth 2.0 token endpoint (POST /token) for the JWT bearer grant, which
//     verifies the assertion's RS256 signature with the service account's public
//     key, its iss/aud/scope/exp claims, and issues a random access token;
//   - the metadata server's token (GET /computeMetadata/v1/.../token, with the
//     Metadata-Flavor: Google header) for automatic credentials;
//   - every storage request must carry one of the issued tokens (401 otherwise);
//   - "/storage/v1" prefixes are dropped for the routes the emulator only
//     mounts at "/b/..." (rewriteTo);
//   - faults: POST /__fault?mode=500|drop|down|off&n=N (the next N storage
//     requests answer 500, or have their connection destroyed; down: all);
//   - counters: GET /__stats (JSON: requests per kind, faults, bad tokens, and
//     the storage class each upload session and rewrite asked for, which the
//     emulator itself does not keep: every object it stores is STANDARD).
// Usage: node gcs-emulator.js PORT PUBLIC_KEY_PEM CLIENT_EMAIL FIREBASE_TOOLS_DIR
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const [port, pubPath, clientEmail, ftDir] = process.argv.slice(2);
const lib = path.join(ftDir, "lib", "emulator", "storage");
const express = require(require.resolve("express", { paths: [ftDir] }));
const { StorageLayer } = require(path.join(lib, "files"));
const { Persistence } = require(path.join(lib, "persistence"));
const { UploadService } = require(path.join(lib, "upload"));
const { StorageCloudFunctions } = require(path.join(lib, "cloudFunctions"));
const { getAdminOnlyFirebaseRulesValidator, getAdminCredentialValidator } = require(
  path.join(lib, "rules", "utils"),
);
const { createCloudEndpoints } = require(path.join(lib, "apis", "gcloud"));
const { EmulatorRegistry } = require(path.join(ftDir, "lib", "emulator", "registry"));

// the emulator's metadata names its own address (selfLink, mediaLink)
EmulatorRegistry.set("storage", {
  getName: () => "storage",
  getInfo: () => ({ name: "storage", host: "127.0.0.1", port: +port }),
  start: async () => {},
  stop: async () => {},
  connect: async () => {},
});
const pub = crypto.createPublicKey(fs.readFileSync(pubPath));
const projectId = "demo-sftpgo";
// the objects under GCS_EMULATOR_DIR (the test's scratch dir, removed with it), not
// in /tmp, where each run left its bytes behind (150 MB for t-serve-gcs)
const persistence = new Persistence(
  fs.mkdtempSync(path.join(process.env.GCS_EMULATOR_DIR || "/tmp", "gcs-emu-")),
);
const layer = new StorageLayer(
  projectId,
  new Map(),
  new Map(),
  getAdminOnlyFirebaseRulesValidator(),
  getAdminCredentialValidator(),
  persistence,
  new StorageCloudFunctions(projectId),
);
const emulator = { adminStorageLayer: layer, uploadService: new UploadService(persistence) };

const tokens = new Set();
const stats = { faults: 0, bad_token: 0, bad_jwt: 0, tokens: 0, metadata_tokens: 0 };
let fault = { mode: "off", n: 0 };
const count = (k) => (stats[k] = (stats[k] || 0) + 1);

const b64u = (s) => Buffer.from(s, "base64url");
function verifyJwt(jwt) {
  const parts = (jwt || "").split(".");
  if (parts.length !== 3) return "not a JWT";
  const head = JSON.parse(b64u(parts[0]).toString());
  const claims = JSON.parse(b64u(parts[1]).toString());
  if (head.alg !== "RS256") return "alg " + head.alg;
  const ok = crypto.verify(
    "sha256",
    Buffer.from(parts[0] + "." + parts[1]),
    pub,
    b64u(parts[2]),
  );
  if (!ok) return "bad signature";
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== clientEmail) return "iss " + claims.iss;
  if (claims.aud !== `http://127.0.0.1:${port}/token`) return "aud " + claims.aud;
  if (!/devstorage\.(full_control|read_write)/.test(claims.scope || "")) return "scope";
  if (!(claims.exp > now && claims.iat <= now + 60 && claims.exp - claims.iat <= 3600))
    return "times";
  return null;
}

function issue(res) {
  const t = "ya29.test-" + crypto.randomBytes(24).toString("hex");
  tokens.add(t);
  res.json({ access_token: t, expires_in: 3599, token_type: "Bearer" });
}

const app = express();
app.post("/__fault", (req, res) => {
  fault = { mode: String(req.query.mode || "off"), n: +(req.query.n || 0) };
  res.sendStatus(204);
});
app.get("/__stats", (req, res) => res.json(stats));
app.post("/__revoke", (req, res) => {
  tokens.clear();
  res.sendStatus(204);
});
app.post("/token", express.urlencoded({ extended: false }), (req, res) => {
  const why =
    req.body.grant_type !== "urn:ietf:params:oauth:grant-type:jwt-bearer"
      ? "grant_type"
      : verifyJwt(req.body.assertion);
  if (why) {
    count("bad_jwt");
    console.log("token refused:", why);
    return res.status(400).json({ error: "invalid_grant", error_description: why });
  }
  count("tokens");
  issue(res);
});
app.get("/computeMetadata/v1/instance/service-accounts/default/token", (req, res) => {
  if (req.header("metadata-flavor") !== "Google") return res.sendStatus(403);
  count("metadata_tokens");
  issue(res);
});
app.use((req, res, next) => {
  const auth = req.header("authorization") || "";
  if (!auth.startsWith("Bearer ") || !tokens.has(auth.slice(7))) {
    count("bad_token");
    return res.status(401).json({ error: { code: 401, message: "Invalid Credentials" } });
  }
  const kind =
    req.method +
    (req.path.startsWith("/upload/") ? " upload" : "") +
    (/\/rewriteTo\//.test(req.path) ? " rewrite" : "") +
    (req.query.alt === "media" ? " media" : "") +
    (req.query.upload_id ? " session" : "");
  count(kind);
  if (fault.mode !== "off" && fault.mode !== "dropchunk" && (fault.mode === "down" || fault.n > 0)) {
    if (fault.mode !== "down") fault.n--;
    stats.faults++;
    if (fault.mode === "drop") return req.socket.destroy();
    return res.status(500).json({ error: { code: 500, message: "injected fault" } });
  }
  if (req.url.startsWith("/storage/v1/b/") && /\/rewriteTo\//.test(req.path))
    req.url = req.url.slice("/storage/v1".length);
  next();
});
// Resumable sessions in chunks (Content-Range), which the emulator lacks: its PUT
// finalizes a session at the first request whatever the range. A status query
// ("bytes */size") and every chunk but the last are answered here, 308 with the
// Range the session holds, as GCS does; the last chunk goes on to the emulator,
// which appends it and makes the object. "dropchunk" (n) drops the connection of
// the next n chunks after the first, before any byte of them is kept.
app.put("/upload/storage/v1/b/:bucketId/o", (req, res, next) => {
  const cr = req.header("content-range");
  if (!req.query.upload_id || !cr) return next();
  let up;
  try {
    up = emulator.uploadService.getResumableUpload(String(req.query.upload_id));
  } catch (e) {
    return res.sendStatus(404);
  }
  const held = () => {
    if (up.size > 0) res.set("Range", `bytes=0-${up.size - 1}`);
    res.status(308).end();
  };
  let m = /^bytes \*\/(\d+)$/.exec(cr);
  if (m) {
    count("chunk query");
    return up.status === "final" ? res.status(200).json({}) : held();
  }
  m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(cr);
  if (!m || +m[2] < +m[1] || +m[2] >= +m[3]) return res.sendStatus(400);
  if (up.status !== "active") return res.sendStatus(400);
  if (+m[1] !== up.size) {
    count("chunk out of place");
    return held();
  }
  if (fault.mode === "dropchunk" && fault.n > 0 && +m[1] > 0) {
    fault.n--;
    stats.faults++;
    return req.socket.destroy();
  }
  if (+m[2] + 1 === +m[3]) {
    count("chunk last");
    return next();
  }
  express.raw({ type: "*/*", limit: "130mb" })(req, res, () => {
    if (!Buffer.isBuffer(req.body) || req.body.length !== +m[2] - +m[1] + 1)
      return res.sendStatus(400);
    count("chunk");
    emulator.uploadService.continueResumableUpload(up.id, req.body);
    held();
  });
});
// the emulator stores every object as STANDARD: the storage class each upload
// session and rewrite asked for is counted here ("class NEARLINE": n)
app.use((req, res, next) => {
  const starts = req.method === "POST" && req.query.uploadType === "resumable" && !req.query.upload_id;
  if (!starts && !/\/rewriteTo\//.test(req.path)) return next();
  express.json({ limit: "1mb" })(req, res, () => {
    count("class " + ((req.body && req.body.storageClass) || "none"));
    next();
  });
});
app.use("/", createCloudEndpoints(emulator));
app.listen(+port, "127.0.0.1", () => console.log("gcs emulator on", port));
