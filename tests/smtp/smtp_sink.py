#!/usr/bin/python3
"""A real SMTP server for Jambo's end-to-end mail tests: aiosmtpd's Controller on a loopback
port. Each accepted message is written to DIR as N.eml (raw) and N.json (what Python's email
parser and a few RFC 5322 / MIME checks make of it). Every RCPT command is appended to
DIR/rcpt.log with the reply given, so a test can count delivery attempts.

Run with Debian's /usr/bin/python3 (python3-aiosmtpd). Stops on SIGTERM or SIGINT.
"""

import argparse
import email.policy
import email.utils
import json
import os
import re
import signal
import ssl
import sys
import threading
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REQUIRED_HEADERS = ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type",
                    "Content-Transfer-Encoding"]


def write_atomically(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def wire_problems(raw):
    problems = []
    if not raw.endswith(b"\r\n"):
        problems.append("does not end with CRLF")
    for number, line in enumerate(raw.split(b"\r\n"), 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {number}: bare CR or LF")
        if len(line) >= 998:
            problems.append(f"line {number}: {len(line)} octets")
        if any(byte >= 0x80 for byte in line):
            problems.append(f"line {number}: 8-bit data")
    return problems


def parse_problems(message):
    problems = [f"defect: {type(defect).__name__}" for defect in message.defects]
    for name in REQUIRED_HEADERS:
        count = len(message.get_all(name, []))
        if count != 1:
            problems.append(f"{name}: {count} times")
    for name, value in message.items():
        problems += [f"{name}: {type(defect).__name__}" for defect in getattr(value, "defects", [])]
    try:
        email.utils.parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        problems.append("Date does not parse")
    if not re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(message["Message-ID"] or "")):
        problems.append("Message-ID malformed")
    if message.get_content_type() != "text/plain" or message.get_content_charset() != "utf-8":
        problems.append("not text/plain; charset=utf-8")
    return problems


class Sink:
    def __init__(self, directory, reject_rcpt):
        self.directory = directory
        self.reject_rcpt = reject_rcpt
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = "550 5.1.1 Mailbox unavailable" if self.reject_rcpt else "250 OK"
        if not self.reject_rcpt:
            envelope.rcpt_tos.append(address)
        with self.lock, open(os.path.join(self.directory, "rcpt.log"), "a") as log:
            log.write(reply + "\n")
        return reply

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        problems = wire_problems(raw) + parse_problems(message)
        try:
            body = message.get_content()
        except (KeyError, LookupError, ValueError) as error:
            body = ""
            problems.append(f"body does not decode: {error}")
        report = {
            "problems": problems,
            "headers": {name: str(value) for name, value in message.items()},
            "header_names": [name for name, _ in message.items()],
            "body": body,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
        }
        with self.lock:
            self.count += 1
            stem = os.path.join(self.directory, str(self.count))
            write_atomically(stem + ".eml", raw)
            # The .json file is the signal that a message arrived: written last.
            write_atomically(stem + ".json", json.dumps(report).encode())
        return "250 Message accepted"


def authenticator_for(credentials):
    user, _, password = credentials.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
            and auth_data.password.decode() == password
        return AuthResult(success=ok)
    return authenticate


def tls_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--starttls-cert", help="offer and require STARTTLS with this certificate")
    parser.add_argument("--implicit-tls-cert", help="TLS from the first byte (smtps) with this certificate")
    parser.add_argument("--key")
    parser.add_argument("--auth", help="USER:PASSWORD that AUTH must present")
    parser.add_argument("--reject-rcpt", action="store_true", help="answer 550 to every RCPT")
    args = parser.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    options = {"hostname": "127.0.0.1", "port": args.port, "server_hostname": "sink.test"}
    if args.starttls_cert:
        options.update(tls_context=tls_context(args.starttls_cert, args.key), require_starttls=True)
    if args.implicit_tls_cert:
        options["ssl_context"] = tls_context(args.implicit_tls_cert, args.key)
    if args.auth:
        options.update(authenticator=authenticator_for(args.auth), auth_required=True)

    controller = Controller(Sink(args.dir, args.reject_rcpt), **options)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    write_atomically(args.ready_file, b"ready\n")
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
