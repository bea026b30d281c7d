"""Runs the embed-server example as a client would use it: start it on a free port, register a
customer, read it back with its token, ask for its erasure (the link arrives as an .eml file),
then stop it with SIGTERM. Usage: drive_embed_server.py EXECUTABLE WORK_DIR. Prints one
summary line; any surprise exits non-zero with what was seen."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

executable, work = sys.argv[1], sys.argv[2]
mail_dir = os.path.join(work, "mail")
# A free port, named up front: the example builds its links from the port it is given.
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = subprocess.Popen([executable, os.path.join(work, "served.db"), str(port), mail_dir],
                          stdout=subprocess.PIPE, text=True)


def fail(what):
    server.kill()
    sys.exit(f"embed-server: {what}")


line = server.stdout.readline()
if line != f"listening on 127.0.0.1:{port}\n":
    fail(f"expected the listening line, got {line!r}")


def call(method, path, body=None, token=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    return response.status, answer


status, created = call("POST", "/api/customers", {
    "first_name": "Grace", "last_name": "Hopper", "nationality": "US", "dob": "1906-12-09",
    "email": "grace@example.org", "phone_number": "+1 202 555 0143"})
if status != 201:
    fail(f"registration answered {status}: {created}")
ulid, token = created["body"]["ulid"], created["token"]
status, read = call("GET", f"/api/customer/{ulid}", token=token)
if status != 200 or read["body"]["email"] != "grace@example.org":
    fail(f"reading the customer back answered {status}: {read}")
status, asked = call("POST", f"/api/customer/{ulid}/delete/request",
                     {"origin": f"http://localhost:{port}"}, token=token)
if status != 200:
    fail(f"the deletion request answered {status}: {asked}")


def mails():
    return [name for name in os.listdir(mail_dir) if name.endswith(".eml")] if os.path.isdir(mail_dir) else []


deadline = time.monotonic() + 10
while time.monotonic() < deadline and not mails():
    time.sleep(0.05)
mails = mails()
if len(mails) != 1:
    fail(f"expected one .eml file in {mail_dir}, found {mails}")
with open(os.path.join(mail_dir, mails[0]), encoding="utf-8") as mail:
    if f"http://localhost:{port}/api/customer/" not in mail.read():
        fail("the mail holds no deletion link")

server.send_signal(signal.SIGTERM)
rest, _ = server.communicate(timeout=20)
if server.returncode != 0 or "stopped" not in rest:
    fail(f"SIGTERM: exit {server.returncode}, output {rest!r}")
print(f"served: registered {ulid}, read it back, deletion link mailed, stopped on SIGTERM")
