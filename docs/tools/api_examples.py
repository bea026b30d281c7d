"""Writes docs/api.md by running the real jambo server and recording what it answers, so the
examples in the API guide are the server's own words and cannot drift from it.

usage: api_examples.py --jambo <path to jambo> --out <api.md>

Volatile values (ulids, tokens, request ids, dates) are replaced by stable stand-ins, so the
output only changes when the API does; tests/docs compares a fresh run with docs/api.md.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

BASE = "http://localhost:8000"
SHOWN_HEADERS = ["Content-Type", "Location", "WWW-Authenticate", "Allow", "Retry-After", "Referrer-Policy",
                 "Content-Security-Policy"]
SEED_ULIDS = ["01HWJ8WH9X8WBK65EMGY9YKPBS", "01HWJ8WHAN25NEA2SVCMRX6P6B", "01HWJ8WHAQZB914NFZ4JT7HFY0",
              "01HWJ8WHCTKBSTNM65KCVT0KGQ", "01HWJ8WHD5Y3ZQ8VJ5P2M7N4KX", "01HWJ8WHE0A1B2C3D4E5F6G7H8"]


class Stand_ins:
    """Maps each volatile value to a stable one, in order of first appearance."""

    def __init__(self):
        self.map = {}

    def stable(self, kind, value):
        key = (kind, value)
        if key not in self.map:
            n = sum(1 for k in self.map if k[0] == kind)
            if kind == "ulid":
                self.map[key] = SEED_ULIDS[n] if n < len(SEED_ULIDS) else f"01HWJ8WHF{n:017d}"
            else:
                digest = base64.urlsafe_b64encode(hashlib.sha256(f"{kind}{n}".encode()).digest()).decode()
                secret = digest[:42] + "A"  # canonical: the last character carries 4 bits
                self.map[key] = ("jmb_" + secret) if kind == "token" else secret
        return self.map[key]

    def apply(self, text):
        text = re.sub(r"jmb_[A-Za-z0-9_-]{43}", lambda m: self.stable("token", m.group()), text)
        text = re.sub(r"(?<=/api/customer/)[A-Za-z0-9_-]{43}(?=/delete/confirm)",
                      lambda m: self.stable("deletion", m.group()), text)
        text = re.sub(r"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b", lambda m: self.stable("ulid", m.group()), text)
        text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "2024-04-28 12:00 UTC", text)
        return text


class Session:
    def __init__(self, port, stand_ins):
        self.port = port
        self.s = stand_ins
        self.out = []

    def call(self, method, path, token=None, body=None, form=None, raw=None, headers=None, show_body=True):
        headers = dict(headers or {})
        data = raw.encode() if raw is not None else None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read().decode()
        response = {"status": r.status, "reason": r.reason, "headers": r.getheaders(), "body": raw}
        conn.close()
        self.record(method, path, headers, data, response, show_body)
        return response

    def record(self, method, path, headers, data, response, show_body):
        parts = ["curl -i"]
        if method != "GET":
            parts.append(f"-X {method}")
        parts.append(f"'{BASE}{path}'")
        for name, value in headers.items():
            parts.append(f"-H '{name}: {value}'")
        if data is not None:
            parts.append(f"-d '{data.decode()}'")
        command = self.s.apply(" \\\n    ".join(parts))
        lines = [f"HTTP/1.1 {response['status']} {response['reason']}"]
        for name in SHOWN_HEADERS:
            for key, value in response["headers"]:
                if key.lower() == name.lower():
                    value = re.sub(r"^\d+$", "3600", value) if name == "Retry-After" else value
                    lines.append(f"{name}: {value}")
        text = response["body"]
        if text and show_body:
            if text.lstrip().startswith(("{", "[")):
                text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            lines += ["", text]
        elif text:
            lines += ["", "(HTML page, shown in a browser)" if text.startswith("<!DOCTYPE") else "(body omitted)"]
        self.out.append("```sh\n" + command + "\n```\n\n```http\n" + self.s.apply("\n".join(lines)) + "\n```\n")

    def say(self, text):
        self.out.append(text.strip() + "\n")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(jambo, work, port):
    env = {"PATH": "/usr/bin:/bin", "JAMBO_LOG_LEVEL": "warn"}
    proc = subprocess.Popen([jambo, "serve", "--listen", f"127.0.0.1:{port}", "--db", os.path.join(work, "jambo.db"),
                             "--mail-dir", os.path.join(work, "mail"), "--public-url", BASE,
                             "--allowed-origins", f"{BASE},https://app.example.com"],
                            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("jambo did not start")


def delivered(work):
    """The mails in the mail directory. A mail is written under a hidden .tmp name and renamed
    to .eml when complete, so only .eml files are whole."""
    mail = os.path.join(work, "mail")
    if not os.path.isdir(mail):
        return []
    return [os.path.join(mail, f) for f in os.listdir(mail) if f.endswith(".eml")]


def newest_link(work):
    newest = max(delivered(work), key=os.path.getmtime)
    text = open(newest, encoding="utf-8").read()
    return re.search(r"/api/customer/[A-Za-z0-9_-]{43}/delete/confirm", text).group()


def wait_for_mail(work, count):
    for _ in range(100):
        if len(delivered(work)) >= count:
            return
        time.sleep(0.05)
    raise SystemExit("the deletion mail was not written")


CYNTHIA = {"first_name": "Cynthia", "last_name": "Norris", "middle_name": "Alexander", "nationality": "Lesotho",
           "dob": "1912-09-06", "email": "aaron97@example.org", "phone_number": "0724 651 586"}
TRICIA = {"first_name": "Tricia", "last_name": "Ryan", "middle_name": "Karen", "nationality": "kgz",
          "dob": "1913-02-03", "email": "EmilyGutierrez@Example.NET", "phone_number": "+254 (700) 327-900"}


def walk(jambo, work, port, s):
    x = Session(port, s)
    x.say(INTRO)
    x.say("## Service\n\n### `GET /api/status`\n\n`200` while the database answers, `503` otherwise. No token.")
    x.call("GET", "/api/status")
    x.say("### `GET /api/nationalities`\n\nEvery ISO 3166-1 country, sorted by name (249 entries; "
          "the body is shortened here). Any `code` or `name` is accepted as a nationality.")
    r = x.call("GET", "/api/nationalities", show_body=False)
    x.out[-1] = x.out[-1].replace("(body omitted)", json.dumps(
        {"statusCode": 200, "body": json.loads(r["body"])["body"][:3] + ["..."]}, indent=2, ensure_ascii=False))

    x.say("## Customers\n\n### `POST /api/customers` — register\n\nNo token. Answers `201`, the record, "
          "its `Location`, and the customer's own bearer token (`token`), shown only this once. "
          "Phone numbers are normalised (`0724 651 586` becomes `254724651586`); the nationality is "
          "stored as an ISO code and shown by name.")
    r = x.call("POST", "/api/customers", body=CYNTHIA)
    cynthia = json.loads(r["body"])
    x.say("Form-encoded bodies work too. Email domains are lower-cased; a nationality may be a code in any case:")
    r = x.call("POST", "/api/customers", form=TRICIA)
    tricia = json.loads(r["body"])
    x.say("Every bad field is reported at once, with Django REST framework's wording:")
    x.call("POST", "/api/customers", body={"first_name": " ", "email": "not-an-address", "nationality": "XX",
                                           "dob": "06/09/1912", "phone_number": "12345", "middle_name": None})
    x.say("Email (case-insensitively) and phone number (after normalisation) are unique:")
    x.call("POST", "/api/customers", body=dict(CYNTHIA, email="AARON97@example.org", phone_number="+254724651586"))
    x.say("A body that is not a JSON object is `400`; a body that is neither JSON nor a form is `415`:")
    x.call("POST", "/api/customers", raw='["Cynthia"]', headers={"Content-Type": "application/json"})

    staff = subprocess.run([jambo, "staff", "add", "--db", os.path.join(work, "jambo.db"), "--email",
                            "admin@example.org", "--name", "Admin"], capture_output=True, text=True,
                           check=True).stdout.strip()
    ulid, token = cynthia["body"]["ulid"], cynthia["token"]
    tricia_ulid, tricia_token = tricia["body"]["ulid"], tricia["token"]

    x.say("### `GET /api/customer/{ulid}` — read one record\n\nA customer reads its own record:")
    x.call("GET", f"/api/customer/{ulid}", token=token)
    x.say("Any other ulid, existing or not, is `403` for a customer (it learns nothing about other records):")
    x.call("GET", f"/api/customer/{tricia_ulid}", token=token)
    x.say("Without a token, or with a bad one, `401`:")
    x.call("GET", f"/api/customer/{ulid}")
    x.call("GET", f"/api/customer/{ulid}", token="jmb_not-a-token")
    x.say("Staff read any record; a ulid that does not exist is `404`. A staff token comes from "
          "`jambo staff add --email admin@example.org` on the server's machine.")
    x.call("GET", f"/api/customer/{tricia_ulid}", token=staff)
    x.call("GET", "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBZ", token=staff)

    x.say("### `GET /api/customers` — list\n\nStaff get pages in creation order: `page` (from 1) and "
          "`page_size` (default 50, at most 100). `next` and `previous` are absolute links.")
    x.call("GET", "/api/customers?page_size=1", token=staff)
    x.call("GET", "/api/customers?page=2&page_size=1", token=staff)
    x.say("Past the end, or not a number: `404`.")
    x.call("GET", "/api/customers?page=9", token=staff)
    x.say("For deep paging, `after=<ulid>` returns the customers after that one, at the same cost "
          "at any depth; `next` carries the cursor.")
    x.call("GET", f"/api/customers?after={ulid}&page_size=1", token=staff)
    x.say("A customer token lists only the caller's own record, as the original service did:")
    x.call("GET", "/api/customers", token=tricia_token)

    x.say("### `PUT` and `PATCH /api/customers` — a customer edits itself\n\n`PUT` replaces every "
          "editable field (the same rules as registering); `PATCH` changes the fields it is given.")
    x.call("PUT", "/api/customers", token=token, body=dict(CYNTHIA, last_name="Akama"))
    x.call("PATCH", "/api/customers", token=token, body={"middle_name": ""})
    x.say("Staff edit through `/api/customer/{ulid}` instead:")
    x.call("PUT", "/api/customers", token=staff, body=CYNTHIA)

    x.say("### `PUT` and `PATCH /api/customer/{ulid}` — staff edit a record")
    x.call("PATCH", f"/api/customer/{tricia_ulid}", token=staff, body={"nationality": "Bolivia"})
    x.call("PUT", f"/api/customer/{tricia_ulid}", token=tricia_token, body=TRICIA)

    x.say("## Erasure\n\n### `POST /api/customer/{ulid}/delete/request` — ask for a deletion link\n\n"
          "The customer's own token. The link is mailed to the customer's address (in development "
          "mode it is written to `./jambo-mail/`); it works once, for one hour by default. `origin`, "
          "if given, must be on the allow-list (`JAMBO_ALLOWED_ORIGINS`): this server runs with "
          "`--allowed-origins http://localhost:8000,https://app.example.com`; with none set, only the "
          "public URL's origin is allowed.")
    x.call("POST", f"/api/customer/{ulid}/delete/request", token=token,
           body={"origin": "https://app.example.com"})
    wait_for_mail(work, 1)
    link = newest_link(work)
    x.call("POST", f"/api/customer/{ulid}/delete/request", token=token, body={"origin": "https://evil.example"})
    x.say("No token, or a bad one, is `400` here (as the original service answered); another "
          "customer's or a staff token is `403`:")
    x.call("POST", f"/api/customer/{ulid}/delete/request")
    x.call("POST", f"/api/customer/{ulid}/delete/request", token=tricia_token)
    x.say("More than three accepted requests in an hour for the customer (or, with "
          "`--deletion-mails-per-address-per-hour` set, more deletion mails to its address from any records): `429`, "
          "with `Retry-After` in seconds until a request would be accepted.")
    for _ in range(2):
        x.call("POST", f"/api/customer/{ulid}/delete/request", token=token)
        x.out.pop()
    wait_for_mail(work, 3)
    x.call("POST", f"/api/customer/{ulid}/delete/request", token=token)

    x.say("### `/api/customer/{token}/delete/confirm` — follow the link\n\nIn a browser (an `Accept` "
          "that prefers HTML) the link shows what will be deleted and a button; GET never deletes for "
          "a browser, so mail scanners that open links delete nothing.")
    x.call("GET", link, headers={"Accept": "text/html"}, show_body=False)
    x.say("The button POSTs to the same URL. An API client may POST, or GET (unless the server runs "
          "with `JAMBO_CONFIRM_ON_GET=never`):")
    x.call("POST", link)
    x.say("The record, its tokens, its other links and its queued mail are gone; the link cannot be "
          "used again. An expired link answers `410` with `\"This deletion link has expired; request a new one.\"` "
          "for 30 days after it expired, and `404` after that.")
    x.call("POST", link)
    x.call("GET", f"/api/customer/{ulid}", token=token)

    x.say("### `DELETE /api/customer/{ulid}`\n\nStaff, or the customer itself. `204`, no body.")
    x.call("DELETE", f"/api/customer/{tricia_ulid}", token=staff)
    x.call("DELETE", f"/api/customer/{tricia_ulid}", token=staff)

    x.say("## Errors every endpoint shares\n\nUnknown path `404`; a known path with another method "
          "`405` with `Allow`; a body of another type `415`; a body over 64 KiB `413`; a header "
          "section over 16 KiB `431`. Every response carries `X-Request-Id` (yours, if you send a "
          "sane one). Internal errors are `500` `\"Internal server error.\"`, with details only in "
          "the server's log.")
    x.call("GET", "/api/nope")
    x.call("DELETE", "/api/customers", token=staff)
    x.call("POST", "/api/customers", raw="Cynthia Norris", headers={"Content-Type": "text/plain"})
    return x.out


INTRO = """
# Jambo HTTP API

Generated by `docs/tools/api_examples.py` from a run of the real server; a test regenerates it
and fails if the server's answers change. The machine-readable description is
[`openapi.yaml`](openapi.yaml) (served at `GET /api/openapi.json`, as the `body` of an
envelope like every JSON answer); the Postman collection is
[`jambo.postman_collection.json`](jambo.postman_collection.json).

Every JSON response is an envelope, `{"statusCode": <the HTTP status>, "body": ...}`, with
`Content-Type: application/json; charset=utf-8` (the staff's list page has the seed's shape,
the envelope in its `results`); a `204` has no body. Authenticate with
`Authorization: Bearer <token>`: a customer's token comes from registering, a staff token from
`jambo staff add`. Tokens and ulids below are stand-ins; yours will differ.

The server sends JSON compact; it is shown indented here. Only the headers a client acts on
are shown; every answer also has `X-Request-Id`, `Date`, `Content-Length`, `Cache-Control:
no-store` and `X-Content-Type-Options: nosniff` (and the HTML pages `X-Frame-Options: DENY`).
A `Retry-After` is shown as `3600`; the server counts down from the oldest request's time.
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--jambo", required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="jambo-api-doc-")
    port = free_port()
    server = start_server(os.path.abspath(args.jambo), work, port)
    try:
        sections = walk(os.path.abspath(args.jambo), work, port, Stand_ins())
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(sections))


if __name__ == "__main__":
    main()
