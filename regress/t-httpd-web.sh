#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The web admin (/web) of sftpgo-httpd, templates from httpd.templates_path (a
# relative one, resolved against the config dir) and static files from
# httpd.static_files_path. curl-level: the redirects, basic auth, static files
# (types, and every traversal or symbolic link attempt a 404), CSRF (missing,
# wrong, another admin's token: 403 and nothing changed), validation errors next
# to their field, secrets never in a page, a broken template stopping the start.
# Then a real headless Chromium driven over the DevTools protocol (regress/cdp.py):
# log in through the basic-auth challenge, add a user, edit it, see a validation
# error, start a quota scan, close a live OpenSSH sftp connection, delete the
# user; a screenshot of each page in regress/out/t-httpd-web/.
# Google Cloud Storage users (issue 14 item 6), against the firebase-tools storage
# emulator (regress/gcs-lib.sh): one added through the REST API and saved in the
# browser without touching its storage keeps its whole GCS config and key file;
# one added in the browser with a key file upload serves an SFTP upload and
# download from the emulator; a missing bucket is shown next to its field; no page
# ever holds the service account key.
# covers: httpd.templates_path httpd.static_files_path
. "$top_srcdir/regress/lib.sh"
. "$top_srcdir/regress/serve-lib.sh"
. "$top_srcdir/regress/httpd-lib.sh"
. "$top_srcdir/regress/gcs-lib.sh"

for _c in htpasswd chromium; do
	command -v $_c >/dev/null || { [ "${CI:-}" = true ] && fail "$_c missing"; skip_all "$_c missing"; }
done
$PY -c 'import websocket' 2>/dev/null || { [ "${CI:-}" = true ] && fail "python3-websocket missing"; skip_all "python3-websocket missing"; }
GCS=1
if ! gcs_have; then
	[ "${CI:-}" = true ] && fail "the firebase-tools storage emulator is installed (contrib/install-deps.sh)"
	GCS=0
fi
OUT=$top_builddir/regress/out/t-httpd-web
rm -rf "$OUT"
mkdir -p "$OUT"

PW=$T/htpasswd
htpasswd -cbB "$PW" admin adminpw 2>/dev/null
htpasswd -bB "$PW" other otherpw 2>/dev/null
# templates: a relative path under the config dir; static files: absolute, with
# symbolic links planted inside
cp -r "$top_srcdir/web/templates" "$CFG/tpl"
cp -r "$top_srcdir/web/static" "$T/static"
echo "secret-outside" >"$T/outside.txt"
ln -s "$T/outside.txt" "$T/static/leak.txt"
ln -s "$T" "$T/static/up"
mkdir -p "$T/backups"
httpd_config 200 "" '"auth_user_file": "'"$PW"'", "templates_path": "tpl", "static_files_path": "'"$T/static"'"'
make_sysuser sftpgoweb1 || { fail "system user"; exit 1; }
"$SFTPGO" initprovider --config-dir "$CFG" >/dev/null
add_user carol sftpgoweb1 --password carolpw
start_server || { fail "server starts"; exit 1; }
wait_httpd || { fail "the REST API answers"; exit 1; }
BASE=http://127.0.0.1:$HPORT
AUTH="-u admin:adminpw"

# web STATUS-VAR-NAME curl args...: the status in $STATUS, body in $T/body,
# headers in $T/hdr.
web() {
	STATUS=$(curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code}' "$@")
}
has() { grep -q -- "$1" "$T/body"; }
hdr() { grep -qi -- "$1" "$T/hdr"; }
# token PATH [USER:PW]: the CSRF token of the form at PATH
token() {
	curl -s -u "${2:-admin:adminpw}" "$BASE$1" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1
}

web "$BASE/"
check "GET / redirects to /web/users without authentication" sh -c "[ $STATUS = 301 ] && grep -qi '^location: /web/users' '$T/hdr'"
web "$BASE/web"
check "GET /web asks for credentials" [ "$STATUS" = 401 ]
web $AUTH "$BASE/web"
check "GET /web redirects to /web/users" sh -c "[ $STATUS = 301 ] && grep -qi '^location: /web/users' '$T/hdr'"
web "$BASE/web/users"
check "/web/users needs basic auth" sh -c "[ $STATUS = 401 ] && grep -qi '^www-authenticate: Basic' '$T/hdr'"
web $AUTH "$BASE/web/users"
check "/web/users: 200 HTML" sh -c "[ $STATUS = 200 ] && grep -qi '^content-type: text/html' '$T/hdr'"
check "the users page lists carol" has '>carol</a>'
check "pages carry a content security policy" hdr "^content-security-policy: default-src 'self'"
web $AUTH "$BASE/web/users/"
check "a trailing slash is 404" [ "$STATUS" = 404 ]
web $AUTH -X DELETE "$BASE/web/users"
check "a wrong method is 405" [ "$STATUS" = 405 ]

# static files
web "$BASE/static/css/sftpgo.css"
check "a static file without authentication, text/css" sh -c "[ $STATUS = 200 ] && grep -qi '^content-type: text/css' '$T/hdr'"
check "the static file is the one of static_files_path" cmp "$T/body" "$T/static/css/sftpgo.css"
web "$BASE/static/js/tables.js"
check "javascript served" sh -c "[ $STATUS = 200 ] && grep -qi '^content-type: text/javascript' '$T/hdr'"
web "$BASE/static"
check "GET /static redirects to /static/" sh -c "[ $STATUS = 301 ] && grep -qi '^location: /static/' '$T/hdr'"
for p in "/static/" "/static/css" "/static/css/" "/static/nosuch.css" \
	"/static/../htpasswd" "/static/%2e%2e/htpasswd" "/static/css/../../htpasswd" \
	"/static/css/%2E%2E/%2e%2e/outside.txt" "/static/..%2foutside.txt" \
	"/static/./css/sftpgo.css" "/static//etc/passwd" "/static/%2fetc%2fpasswd" \
	"/static/leak.txt" "/static/up/outside.txt" "/static/up/cfg/sftpgo.json" \
	"/static/css/sftpgo.css/"; do
	web --path-as-is "$BASE$p"
	if [ "$STATUS" = 404 ] && ! has secret-outside && ! has 'root:' && ! has bind_port; then
		ok "static $p: 404"
	else
		fail "static $p: 404" "status $STATUS"
	fi
done

web --path-as-is "$BASE/static/css/sftpgo.css%00.txt"
check "a NUL in the path: 400" [ "$STATUS" = 400 ]

# CSRF: every state-changing form
web $AUTH "$BASE/web/user"
check "the add form renders" sh -c "[ $STATUS = 200 ] && grep -q 'name=\"csrf_token\"' '$T/body'"
TOK=$(token /web/user)
check "the form has a token" [ -n "$TOK" ]
api_add() { # NAME PASSWORD [HOME]: curl -F arguments of an add form, minus the token
	echo "-F username=$1 -F status=1 -F home_dir=${3:-$T/homes/$1} -F uid=0 -F gid=0 -F max_sessions=0 -F quota_size=0 -F quota_files=0 -F upload_bandwidth=0 -F download_bandwidth=0 -F permissions=* -F fs_provider=0 -F password=$2"
}
# shellcheck disable=SC2046
web $AUTH $(api_add dave davepw1) "$BASE/web/user"
check "add without a CSRF token: 403" sh -c "[ $STATUS = 403 ] && grep -q 'security token' '$T/body'"
# shellcheck disable=SC2046
web $AUTH $(api_add dave davepw1) -F csrf_token=0000000000000000.00000000000000000000000000000000 "$BASE/web/user"
check "add with a forged token: 403" [ "$STATUS" = 403 ]
OTHERTOK=$(token /web/user other:otherpw)
# shellcheck disable=SC2046
web $AUTH $(api_add dave davepw1) -F "csrf_token=$OTHERTOK" "$BASE/web/user"
check "add with another admin's token: 403" [ "$STATUS" = 403 ]
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user?username=dave")
expect "nothing was added" 200 "j==[]"
# shellcheck disable=SC2046
web $AUTH $(api_add dave davepw1) -F "csrf_token=$TOK" "$BASE/web/user"
check "add with the token: 303 to the users page" sh -c "[ $STATUS = 303 ] && grep -qi '^location: /web/users?done=added' '$T/hdr'"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user?username=dave")
expect "dave was added" 200 "len(j)==1 and j[0]['home_dir'].endswith('/homes/dave')"
DAVE=$(jget "j[0]['id']")
web $AUTH "$BASE/web/users?done=added"
check "the list says so" has 'User added.'
web $AUTH "$BASE/web/users?done=%3Cscript%3E"
check "an unknown done code shows nothing" sh -c "! grep -q 'script%3E\|<script>' '$T/body'"
web $AUTH "$BASE/web/users?search=dav"
check "search filters the users list server-side" sh -c "grep -q '>dave</a>' '$T/body' && ! grep -q '>carol</a>' '$T/body'"

# validation errors: next to the field, the submitted values kept, no password
# shellcheck disable=SC2046
web $AUTH $(api_add erin erinpw77 relative/erin) -F "csrf_token=$TOK" "$BASE/web/user"
check "a relative home dir: the form again (200)" [ "$STATUS" = 200 ]
check "the error is next to home_dir" $PY -c "
import re,sys
t=open(sys.argv[1]).read()
m=re.search(r'<div class=\"field wide invalid\">\s*<label for=\"home_dir\">.*?<p class=\"field-error\">([^<]*)</p>', t, re.S)
sys.exit(0 if m and 'absolute' in m.group(1) else 1)" "$T/body"
check "the submitted values are kept" has 'value="erin"'
check_not "the password is not echoed" has erinpw77
# shellcheck disable=SC2046
web $AUTH $(api_add erin erinpw77 | sed 's/uid=0/uid=abc/') -F "csrf_token=$TOK" "$BASE/web/user"
check "a bad integer: error next to uid" sh -c "[ $STATUS = 200 ] && grep -A3 'for=\"uid\"' '$T/body' | grep -q 'field-error\">must be a whole number'"
# shellcheck disable=SC2046
web $AUTH $(api_add dave davepw2) -F "csrf_token=$TOK" "$BASE/web/user"
check "a duplicate username: the form again with the error" sh -c "[ $STATUS = 200 ] && grep -q 'already exists' '$T/body'"
web $AUTH -F "csrf_token=$TOK" -F username=carol -F status=1 -F home_dir=/x "$BASE/web/user"
check "missing integers: errors, nothing added" sh -c "[ $STATUS = 200 ] && grep -q 'a number is required' '$T/body'"

# secrets: a user with a password and an S3 secret (added through the API)
curl -s -o "$T/body" $AUTH -X POST -d '{"username":"s3u","password":"s3plainpw","home_dir":"/srv/s3u","permissions":{"/":["*"]},"filesystem":{"provider":1,"s3config":{"bucket":"b","region":"us-east-1","access_key":"AKIAWEB","access_secret":"s3secretvalue"}}}' "$BASE/api/v1/user"
S3U=$($PY -c "import json,sys; print(json.load(open(sys.argv[1])).get('id',''))" "$T/body")
check "an S3 user exists" [ -n "$S3U" ]
web $AUTH "$BASE/web/user/$S3U"
check "the S3 user's edit page" sh -c "[ $STATUS = 200 ] && grep -q 'value=\"AKIAWEB\"' '$T/body'"
for s in s3plainpw s3secretvalue '$aes$' '$argon2id$' '$2a$'; do
	check_not "no '$s' in the edit page" has "$s"
done
web $AUTH "$BASE/web/users"
check_not "no password hash in the users page" sh -c "grep -q 'argon2id\|\$aes\$' '$T/body'"

# edit: the secret and password kept when left empty
TOK=$(token "/web/user/$S3U")
web $AUTH -F "csrf_token=$TOK" -F username=s3u -F status=1 -F home_dir=/srv/s3u -F uid=0 -F gid=0 -F max_sessions=4 -F quota_size=0 -F quota_files=0 -F upload_bandwidth=0 -F download_bandwidth=0 -F permissions=list -F permissions=download -F fs_provider=1 -F s3_bucket=b2 -F s3_region=us-east-1 -F s3_access_key=AKIAWEB -F s3_access_secret= -F password= "$BASE/web/user/$S3U"
check "edit: 303" [ "$STATUS" = 303 ]
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user/$S3U")
expect "edit changed the fields" 200 "j['max_sessions']==4 and j['permissions']=={'/':['list','download']} and j['filesystem']['s3config']['bucket']=='b2' and j['filesystem']['s3config']['access_secret'].startswith('\$aes\$')"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/dumpdata?output_file=web.json")
check "the password hash was kept (dump)" $PY -c "
import json,sys,glob
d=json.load(open(sys.argv[1]))
u=[x for x in d['users'] if x['username']=='s3u'][0]
sys.exit(0 if u.get('password','').startswith('\$') and u['filesystem']['s3config']['access_secret'].startswith('\$aes\$') else 1)" "$CFG/backups/web.json"
web $AUTH -F "csrf_token=$TOK" -F username=s3u "$BASE/web/user/999999"
check "edit of an unknown id: 404 page" [ "$STATUS" = 404 ]
web $AUTH "$BASE/web/user/abc"
check "a bad id: 400 page" sh -c "[ $STATUS = 400 ] && grep -q 'Invalid userID' '$T/body'"

# ---- Google Cloud Storage users ----
GPORT=$((PORT_BASE + 203))
BUCKET=webtb
GEND=http://127.0.0.1:$GPORT
GCREDS=$CFG/credentials
if [ $GCS = 1 ]; then
	gcs_start "$GPORT" sftpgo-web@demo-sftpgo.iam.gserviceaccount.com || { fail "the GCS emulator starts"; exit 1; }
	# a line of the private key and of the key file's base64: never in a page
	KEYLINE=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["private_key"].splitlines()[2])' "$T/sa.json")
	KEYB64=$(base64 -w0 "$T/sa.json")
	nokey() { ! grep -qF -e "$KEYLINE" -e "$(printf %s "$KEYB64" | cut -c 20-80)" -e 'PRIVATE KEY' "$@"; }
	# gapi: explicit key; gauto: automatic credentials (both through the REST API)
	curl -s -o "$T/body" $AUTH -X POST -d '{"username":"gapi","password":"gapipw","home_dir":"/srv/gapi","permissions":{"/":["*"]},"max_sessions":1,"filesystem":{"provider":2,"gcsconfig":{"bucket":"'"$BUCKET"'","key_prefix":"api/g","storage_class":"COLDLINE","endpoint":"'"$GEND"'","credentials":"'"$KEYB64"'"}}}' "$BASE/api/v1/user"
	GAPI=$(jget "j.get('id','')")
	curl -s -o "$T/body" $AUTH -X POST -d '{"username":"gauto","password":"gautopw","home_dir":"/srv/gauto","permissions":{"/":["*"]},"filesystem":{"provider":2,"gcsconfig":{"bucket":"b2","automatic_credentials":1}}}' "$BASE/api/v1/user"
	GAUTO=$(jget "j.get('id','')")
	check "GCS users added through the REST API" sh -c "[ -n '$GAPI' ] && [ -n '$GAUTO' ] && cmp -s '$T/sa.json' '$GCREDS/gapi_gcs_credentials.json'"
	web $AUTH "$BASE/web/user/$GAPI"
	check "the GCS user's edit page: GCS selected, its fields filled" $PY -c "
import re,sys
t=open(sys.argv[1]).read()
ok=re.search(r'<option value=\"2\" selected>Google Cloud Storage</option>', t) and \
   'id=\"gcs_bucket\" name=\"gcs_bucket\" value=\"$BUCKET\"' in t and 'value=\"api/g/\"' in t and \
   'value=\"COLDLINE\"' in t and 'value=\"$GEND\"' in t and '<details class=\"field wide gcs\" open>' in t and \
   'Leave empty to keep the stored key.' in t and not re.search(r'id=\"gcs_auto_credentials\"[^>]*checked', t)
sys.exit(0 if ok else 1)" "$T/body"
	check "the edit page holds no key" nokey "$T/body"
	web $AUTH "$BASE/web/user/$GAUTO"
	check "automatic credentials: the box is checked" sh -c "grep -q 'id=\"gcs_auto_credentials\"[^>]*checked' '$T/body'"
	web $AUTH "$BASE/web/users"
	check "the users list says Storage: GCS" sh -c "[ \$(grep -c 'Storage: GCS' '$T/body') -eq 2 ]"
	# a key file that is not JSON: the monitor's error next to the file input
	TOK=$(token /web/user)
	echo 'not a key' >"$T/bad.json"
	# shellcheck disable=SC2046
	web $AUTH $(api_add gbad gbadpw1 | sed 's/fs_provider=0/fs_provider=2/') -F gcs_bucket=b -F "gcs_credential_file=@$T/bad.json" -F "csrf_token=$TOK" "$BASE/web/user"
	check "a bad key file: the error next to the file input" $PY -c "
import re,sys
t=open(sys.argv[1]).read()
m=re.search(r'<div class=\"field wide invalid\">\s*<label for=\"gcs_credential_file\">.*?<p class=\"field-error\"[^>]*>([^<]*)</p>', t, re.S)
sys.exit(0 if m and 'not a JSON key file' in m.group(1) else 1)" "$T/body"
	check_not "not a key: nothing in the page" has 'not a key'
	# the same form with the real key but a bucket left empty: the key is not echoed
	# shellcheck disable=SC2046
	web $AUTH $(api_add gbad gbadpw1 | sed 's/fs_provider=0/fs_provider=2/') -F gcs_bucket= -F "gcs_credential_file=@$T/sa.json" -F "csrf_token=$TOK" "$BASE/web/user"
	check "no bucket: 200 with the error next to gcs_bucket" sh -c "[ $STATUS = 200 ] && grep -A3 'for=\"gcs_bucket\"' '$T/body' | grep -q 'field-error.*required for Google Cloud Storage'"
	check "the form shown again holds no key" nokey "$T/body"
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user?username=gbad")
	expect "gbad was not added" 200 "j==[]"
fi

# delete, quota scan, connection close: CSRF too
web $AUTH -X POST "$BASE/web/user/$DAVE/delete"
check "delete without a token: 403" [ "$STATUS" = 403 ]
web $AUTH -X POST -d "csrf_token=x" "$BASE/web/quota_scan"
check "quota scan with a bad token: 403" [ "$STATUS" = 403 ]
web $AUTH -X POST -d "username=carol" "$BASE/web/connection/abc/close"
check "close without a token: 403" [ "$STATUS" = 403 ]
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user/$DAVE")
expect "dave is still there" 200
TOK=$(token /web/users)
web $AUTH -d "csrf_token=$TOK" "$BASE/web/user/$DAVE/delete"
check "delete with a token (urlencoded form): 303" [ "$STATUS" = 303 ]
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user/$DAVE")
expect "dave is gone" 404
web $AUTH "$BASE/web/user/$S3U/delete"
check "the delete confirmation page" sh -c "[ $STATUS = 200 ] && grep -q 's3u' '$T/body' && grep -q 'csrf_token' '$T/body'"

# ---- a real browser ----
mkdir -p "$T/homes/webuser"
open_sftp carol carolpw
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/connection")
_i=0
while [ $_i -lt 100 ] && [ "$(jget 'len(j)' 2>/dev/null)" != 1 ]; do
	sleep 0.2
	curl -s -o "$T/body" $AUTH "$BASE/api/v1/connection"
	_i=$((_i + 1))
done
check "carol's sftp session is open" [ "$(jget 'len(j)')" = 1 ]
mkdir -p "$T/homes/webgcs"
chown sftpgoweb1:sftpgoweb1 "$T/homes/webgcs"
if ! PYTHONPATH=$top_srcdir/regress $PY - "$BASE" "$((PORT_BASE + 202))" "$T/chrome" "$OUT" "$T/homes/webuser" \
	"$GCS" "$T/sa.json" "$BUCKET" "$GEND" "$T/homes/webgcs" "$(id -u sftpgoweb1)" "$(id -g sftpgoweb1)" "${GAPI:-}" "${GAUTO:-}" <<'EOPY'; then
import base64, json, sys, time
import cdp

base, port, profile, out, home = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
gcs, sa_json, bucket, gend, gcs_home, sys_uid, sys_gid, gapi, gauto = sys.argv[6:15]
failed = 0
gcs_pages = []  # the HTML of every GCS page seen: checked for the key at the end


def report(ok, desc, why=""):
    global failed
    if ok:
        print("ok - t-httpd-web: browser: " + desc)
    else:
        failed += 1
        print("not ok - t-httpd-web: browser: %s (%s)" % (desc, why))
    sys.stdout.flush()


def step(desc, fn):
    try:
        r = fn()
        report(r is None or r is True, desc, "got %r" % (r,))
    except Exception as e:  # a failed step is reported, the next ones still run
        report(False, desc, "%s: %s" % (type(e).__name__, e))


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def row_js(name, selector):
    """JavaScript clicking selector in the users table row of name."""
    return ("(function(){var r=[...document.querySelectorAll('#users-table tbody tr')]"
            ".find(r=>r.cells[0].innerText.trim()==%r); if(!r) throw new Error('no row');"
            "r.querySelector(%r).click();})()" % (name, selector))


b = cdp.Browser(port, profile)
try:
    def login():
        b.basic_auth("admin", "adminpw")
        b.goto(base + "/web/users")
        expect(b.auth_prompts >= 1, "no basic-auth challenge seen")
        expect(b.eval("document.title") == "SFTPGo - Users", "title %r" % b.eval("document.title"))
        expect("carol" in b.text("#users-table"), "carol not listed")
        b.screenshot(out + "/01-users.png")
    step("log in through the basic-auth challenge, the users page", login)

    def add():
        b.click_and_wait("a.button.primary[href='/web/user']")
        expect(b.eval("document.title") == "SFTPGo - Add a new user", "not the add form")
        b.fill("#username", "webuser")
        b.fill("#password", "webpw-123456")
        b.fill("#home_dir", home)
        b.fill("#public_keys", "")
        b.screenshot(out + "/02-user-add.png")
        b.click_and_wait("form.user-form button[type=submit]")
        expect(b.url().endswith("/web/users?done=added"), "url " + b.url())
        expect("User added." in b.text(".notice.ok"), "no flash")
        expect("webuser" in b.text("#users-table"), "webuser not listed")
        b.screenshot(out + "/03-users-added.png")
    step("add a user with the form", add)

    def edit():
        b.run_and_wait("[...document.querySelectorAll('#users-table a')].find(a=>a.innerText=='webuser').click()")
        expect(b.eval("document.title") == "SFTPGo - Edit user", "not the edit form")
        expect(b.eval("document.querySelector('#username').readOnly"), "username editable")
        expect(b.eval("document.querySelector('#password').value") == "", "password prefilled")
        b.fill("#max_sessions", "3")
        b.fill("#allowed_ip", "127.0.0.0/8")
        b.screenshot(out + "/04-user-edit.png")
        b.click_and_wait("form.user-form button[type=submit]")
        expect(b.url().endswith("/web/users?done=updated"), "url " + b.url())
        row = b.eval("[...document.querySelectorAll('#users-table tbody tr')].find(r=>r.cells[0].innerText.trim()=='webuser').innerText")
        expect("Max sessions: 3" in row and "Allowed IP/Mask: 1" in row, "row " + row)
    step("edit the user (max sessions, allowed IP)", edit)

    def invalid():
        b.run_and_wait("[...document.querySelectorAll('#users-table a')].find(a=>a.innerText=='webuser').click()")
        b.fill("#home_dir", "relative/dir")
        b.click_and_wait("form.user-form button[type=submit]")
        err = b.eval("(function(){var f=document.querySelector('#home_dir').closest('.field');"
                     "var e=f.querySelector('.field-error'); return f.classList.contains('invalid') && e ? e.innerText : null;})()")
        expect(err is not None and "absolute" in err, "no error at home_dir: %r" % err)
        expect(b.eval("document.querySelector('#home_dir').value") == "relative/dir", "value lost")
        expect("The user was not saved." in b.text(".notice.error"), "no summary")
        b.screenshot(out + "/05-user-error.png")
    step("a validation error is shown next to its field", invalid)

    def sort_filter():
        b.goto(base + "/web/users")
        b.eval("document.querySelector('#users-table th[data-sort]').click()")
        first = b.eval("document.querySelector('#users-table tbody tr').cells[0].innerText.trim()")
        b.eval("document.querySelector('#users-table th[data-sort]').click()")
        last_first = b.eval("document.querySelector('#users-table tbody tr').cells[0].innerText.trim()")
        expect(first == "carol" and last_first == "webuser", "sort: %r %r" % (first, last_first))
        b.fill("#search", "web")
        shown = b.eval("[...document.querySelectorAll('#users-table tbody tr')].filter(r=>!r.hidden).map(r=>r.cells[0].innerText.trim())")
        expect(shown == ["webuser"], "filter: %r" % shown)
        b.fill("#search", "")
    step("the users table sorts and filters", sort_filter)

    def scan():
        b.goto(base + "/web/users")
        b.run_and_wait(row_js("webuser", "form[action='/web/quota_scan'] button"))
        expect("Quota scan started" in b.text(".notice.ok"), "no flash: %r" % b.text("main"))
        b.screenshot(out + "/06-quota-scan.png")
    step("start a quota scan", scan)

    def connections():
        b.click_and_wait("nav a[href='/web/connections']")
        t = b.text("#connections-table")
        expect(t is not None and "carol" in t and "SFTP" in t, "table %r" % t)
        b.screenshot(out + "/07-connections.png")
        b.click_and_wait("#connections-table a.danger")
        expect(b.eval("document.title") == "SFTPGo - Close connection", "no confirmation")
        b.screenshot(out + "/08-connection-close.png")
        b.click_and_wait(".confirm button[type=submit]")
        expect(b.url().endswith("/web/connections?done=closed"), "url " + b.url())
        expect("Connection closed." in b.text(".notice.ok"), "no flash")
        deadline = time.time() + 30
        while "carol" in (b.text("main") or "") and time.time() < deadline:
            time.sleep(0.3)
            b.goto(base + "/web/connections")
        expect("No user connected" in b.text("main"), "still listed")
        b.screenshot(out + "/09-connections-empty.png")
    step("close a live sftp connection", connections)

    def delete():
        b.goto(base + "/web/users")
        b.run_and_wait(row_js("webuser", "a.danger"))
        expect(b.eval("document.title") == "SFTPGo - Delete user", "no confirmation")
        expect("webuser" in b.text(".confirm"), "the question names no user")
        b.screenshot(out + "/10-user-delete.png")
        b.click_and_wait(".confirm button[type=submit]")
        expect("User deleted." in b.text(".notice.ok"), "no flash")
        expect("webuser" not in b.text("#users-table"), "still listed")
        b.screenshot(out + "/11-users-deleted.png")
    step("delete the user", delete)

    def gcs_add():
        b.goto(base + "/web/user")
        b.fill("#username", "webgcs")
        b.fill("#password", "gcspw-123456")
        b.fill("#home_dir", gcs_home)
        b.fill("#uid", sys_uid)
        b.fill("#gid", sys_gid)
        b.eval("document.querySelector('#fs_provider').value='2'")
        b.eval("document.querySelector('details.gcs').open=true")
        b.fill("#gcs_bucket", bucket)
        b.fill("#gcs_key_prefix", "web/gcs")
        b.fill("#gcs_storage_class", "NEARLINE")
        b.fill("#gcs_endpoint", gend)
        b.set_files("#gcs_credential_file", [sa_json])
        expect(b.eval("document.querySelector('#gcs_credential_file').files.length") == 1, "no file chosen")
        gcs_pages.append(b.html())
        b.eval("document.querySelector('details.gcs').scrollIntoView()")
        b.screenshot(out + "/12-user-add-gcs.png")
        b.click_and_wait("form.user-form button[type=submit]")
        expect(b.url().endswith("/web/users?done=added"), "url %s: %r" % (b.url(), b.text(".notice.error")))
        row = b.eval("[...document.querySelectorAll('#users-table tbody tr')].find(r=>r.cells[0].innerText.trim()=='webgcs').innerText")
        expect("Storage: GCS" in row, "row " + row)
        gcs_pages.append(b.html())
        b.screenshot(out + "/13-users-gcs.png")

    def gcs_invalid():
        b.goto(base + "/web/user")
        b.fill("#username", "webgcs2")
        b.fill("#home_dir", gcs_home)
        b.eval("document.querySelector('#fs_provider').value='2'")
        b.set_files("#gcs_credential_file", [sa_json])
        b.click_and_wait("form.user-form button[type=submit]")
        err = b.eval("(function(){var f=document.querySelector('#gcs_bucket').closest('.field');"
                     "var e=f.querySelector('.field-error'); return f.classList.contains('invalid') && e ? e.innerText : null;})()")
        expect(err is not None and "required" in err, "no error at gcs_bucket: %r" % err)
        expect(b.eval("document.querySelector('details.gcs').open"), "the GCS section is closed")
        expect(b.eval("document.querySelector('#fs_provider').value") == "2", "GCS not selected any more")
        expect(b.eval("document.querySelector('#username').value") == "webgcs2", "value lost")
        gcs_pages.append(b.html())
        b.screenshot(out + "/14-user-gcs-error.png")

    def gcs_edit_untouched(uid, shot):
        b.goto(base + "/web/user/" + uid)
        expect(b.eval("document.title") == "SFTPGo - Edit user", "not the edit form")
        expect(b.eval("document.querySelector('#fs_provider').value") == "2", "GCS not selected")
        hint = b.eval("document.querySelector('#gcs_credential_file').closest('.field').innerText")
        expect("Leave empty to keep the stored key." in hint, "hint %r" % hint)
        gcs_pages.append(b.html())
        if shot:
            b.eval("document.querySelector('details.gcs').scrollIntoView()")
            b.screenshot(out + "/15-user-edit-gcs.png")
        b.fill("#max_sessions", "5")
        b.click_and_wait("form.user-form button[type=submit]")
        expect(b.url().endswith("/web/users?done=updated"), "url %s: %r" % (b.url(), b.text(".notice.error")))

    if gcs == "1":
        step("add a GCS user with a key file upload", gcs_add)
        step("a GCS user without a bucket: the error next to the bucket", gcs_invalid)
        step("save the API's GCS user (explicit key) without touching storage",
             lambda: gcs_edit_untouched(gapi, True))
        step("save the API's GCS user (automatic credentials) without touching storage",
             lambda: gcs_edit_untouched(gauto, False))

        def no_key():
            key = json.load(open(sa_json))["private_key"]
            raw = open(sa_json, "rb").read()
            b64 = base64.b64encode(raw).decode()
            for i, p in enumerate(gcs_pages):
                for needle in (key.splitlines()[2], "PRIVATE KEY", b64[20:80]):
                    expect(needle not in p, "page %d holds %r" % (i, needle[:20]))
            expect(len(gcs_pages) == 5, "%d pages" % len(gcs_pages))
        step("no GCS page holds the service account key", no_key)

    def no_js():
        b.call("Emulation.setScriptExecutionDisabled", value=True)
        b.goto(base + "/web/users?search=car")
        b.call("Emulation.setScriptExecutionDisabled", value=False)
        names = b.eval("[...document.querySelectorAll('#users-table tbody tr')].map(r=>r.cells[0].innerText.trim())")
        expect(names == ["carol"], "rows %r" % names)
    step("the users filter works without JavaScript (a GET form)", no_js)
finally:
    b.close()
sys.exit(1 if failed else 0)
EOPY
	_n_fail=$((_n_fail + 1))
fi
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/connection")
expect "the API lists no connection any more" 200 "j==[]"
if [ $GCS = 1 ]; then
	# gcsconfig as the API returns it: empty members left out (SFTPGo's omitempty)
	gcsc="j['filesystem']['gcsconfig']"
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user/$GAPI")
	expect "saved untouched, the API's GCS user keeps its whole GCS config" 200 \
		"j['max_sessions']==5 and j['filesystem']['provider']==2 and $gcsc=={'bucket':'$BUCKET','key_prefix':'api/g/','storage_class':'COLDLINE','endpoint':'$GEND'}"
	check "and its stored key file" cmp "$T/sa.json" "$GCREDS/gapi_gcs_credentials.json"
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user/$GAUTO")
	expect "saved untouched, automatic credentials stay on" 200 \
		"j['max_sessions']==5 and j['filesystem']['provider']==2 and $gcsc=={'bucket':'b2','automatic_credentials':1}"
	STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/user?username=webgcs")
	expect "the browser's GCS user: its config as entered" 200 \
		"j[0]['filesystem']['provider']==2 and $(echo "$gcsc" | sed "s/j\[/j[0][/")=={'bucket':'$BUCKET','key_prefix':'web/gcs/','storage_class':'NEARLINE','endpoint':'$GEND'}"
	check "the uploaded key file saved as its credentials file" cmp "$T/sa.json" "$GCREDS/webgcs_gcs_credentials.json"
	head -c 300000 /dev/urandom >"$T/gcs.up"
	printf 'put %s up.bin\nget up.bin %s\n' "$T/gcs.up" "$T/gcs.back" | sftp_pw webgcs gcspw-123456 >"$T/gcs.out" 2>&1
	check "SFTP upload and download through the browser's GCS user" cmp "$T/gcs.up" "$T/gcs.back"
	TOK=$(curl -s -H 'Metadata-Flavor: Google' \
		"$GEND/computeMetadata/v1/instance/service-accounts/default/token" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	check "the object is in the emulator's bucket under the key prefix" sh -c \
		"curl -s -H 'Authorization: Bearer $TOK' '$GEND/storage/v1/b/$BUCKET/o?prefix=web%2Fgcs%2F' | grep -q '\"web/gcs/up.bin\"'"
	for p in /web/users "/web/user/$GAPI" "/web/user/$GAUTO" /web/user; do
		web $AUTH "$BASE$p"
		check "no key in $p" nokey "$T/body"
	done
	check "the credentials files hold the key, the database does not" sh -c \
		"! grep -qF 'PRIVATE KEY' '$CFG/sftpgo.db' 2>/dev/null"
fi
echo "ls" >&7 2>/dev/null # the client notices when it next talks to the server
check "the sftp client lost its connection" sh -c "i=0; while kill -0 $SFTP_PID 2>/dev/null && [ \$i -lt 150 ]; do sleep 0.2; i=\$((i+1)); done; ! kill -0 $SFTP_PID 2>/dev/null"
exec 7>&-
check "a screenshot of each page" sh -c "[ \$(ls '$OUT'/*.png | wc -l) -eq $((11 + 4 * GCS)) ]"
# the pages, forms and static files above were served under httpd's seccomp filter
hpid=$(pgrep -P "$SERVER_PID" -x sftpgo-httpd | head -n 1)
check "httpd runs under its seccomp filter" \
	test "$(awk '/^Seccomp:/ {print $2}' "/proc/$hpid/status" 2>/dev/null)" = 2
check "no seccomp violation and no httpd restart" \
	sh -c "! grep -q 'seccomp: \\|httpd exited' '$LOG'"

# a broken template stops the start, naming the key
stop_server
printf '{{#users}}never closed\n' >"$CFG/tpl/users.html"
"$SFTPGO" serve --config-dir "$CFG" --libexec-dir "$top_builddir" --log-file-path "$T/broken.log" >"$T/broken.out" 2>&1 &
_bp=$!
_i=0
while kill -0 $_bp 2>/dev/null && [ $_i -lt 150 ]; do sleep 0.2; _i=$((_i + 1)); done
if kill -0 $_bp 2>/dev/null; then
	kill $_bp
	fail "a broken template: the server does not start"
else
	check "a broken template: the server does not start, naming the key" grep -q 'httpd.templates_path.*users' "$T/broken.out"
fi
# no template directory at all: /web is not served, the REST API is
rm -rf "$CFG/tpl"
start_server || fail "without templates the server starts"
wait_httpd || fail "without templates the REST API answers"
web $AUTH "$BASE/web/users"
check "without templates /web is 404" [ "$STATUS" = 404 ]
check "and a warning names httpd.templates_path" grep -q 'no httpd.templates_path directory' "$LOG"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' $AUTH "$BASE/api/v1/version")
expect "the REST API still answers" 200

done_testing
