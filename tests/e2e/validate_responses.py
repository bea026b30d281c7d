"""Checks every response the e2e suite recorded against docs/openapi.yaml.

For each recorded exchange: the route is found by method and path template; the status
must be documented for it (or be one of the transport-level statuses every route can
answer); a JSON body must validate against the documented schema, with statusCode equal
to the HTTP status; documented headers that the contract requires must be present.

usage: validate_responses.py <openapi.yaml> <responses.jsonl>
"""
import json
import re
import sys
from collections import Counter
from urllib.parse import urlsplit

import jsonschema
import yaml

# Statuses any route can answer before a handler runs, or for a failure of the host; their
# body is a plain message envelope.
TRANSPORT_STATUSES = {400, 404, 405, 408, 413, 415, 431, 500, 503}
REQUIRED_HEADERS = {201: ["location"], 401: ["www-authenticate"], 405: ["allow"], 429: ["retry-after"]}


def route_matchers(document):
    matchers = []
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^/]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "/?$"
        matchers.append((re.compile(pattern), template, item))
    # Literal paths first, so /api/customers never matches a template meant for another.
    matchers.sort(key=lambda m: m[1].count("{"))
    return matchers


def find_route(matchers, path):
    for pattern, template, item in matchers:
        if pattern.match(path):
            return template, item
    return None, None


CUSTOMER_FIELDS = ["ulid", "first_name", "last_name", "middle_name", "nationality", "dob", "email", "phone_number"]


def customers_in(node):
    """Every object shaped like a customer, wherever it sits in a body."""
    if isinstance(node, dict):
        if set(node) == set(CUSTOMER_FIELDS):
            yield node
        for value in node.values():
            yield from customers_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from customers_in(value)


def resolve(document, node):
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def check(document, matchers, exchange, message_schema):
    method = exchange["method"].lower()
    status = exchange["status"]
    headers = exchange["headers"]
    path = urlsplit(exchange["target"]).path
    problems = []
    if "x-request-id" not in headers:
        problems.append("no X-Request-Id")
    for name in REQUIRED_HEADERS.get(status, []):
        if name not in headers:
            problems.append(f"no {name} on a {status}")

    template, item = find_route(matchers, path)
    operation = item.get(method if method != "head" else "get") if item else None
    documented = resolve(document, (operation or {}).get("responses", {}).get(str(status)))
    content_type = headers.get("content-type", "")

    if status == 204 or method == "head":
        if exchange["body"]:
            problems.append("a body where none may be")
        return problems
    if not content_type.startswith("application/json"):
        if documented and "text/html" in documented.get("content", {}) and content_type.startswith("text/html"):
            return problems
        problems.append(f"unexpected content type {content_type!r}")
        return problems
    try:
        body = json.loads(exchange["body"])
    except ValueError as e:
        return problems + [f"body is not JSON: {e}"]

    if documented is not None:
        schema = documented["content"]["application/json"]["schema"]
    elif status in TRANSPORT_STATUSES:
        schema = message_schema
    else:
        return problems + [f"status {status} is not documented for {method.upper()} {template or path}"]

    resolver = jsonschema.RefResolver.from_schema(document)
    try:
        jsonschema.Draft202012Validator(schema, resolver=resolver).validate(body)
    except jsonschema.ValidationError as e:
        problems.append(f"schema: {e.message} at {list(e.absolute_path)}")
    for customer in customers_in(body):
        if list(customer) != CUSTOMER_FIELDS:
            problems.append(f"customer fields out of the seed's order: {list(customer)}")
    if isinstance(body, dict) and "statusCode" in body and body["statusCode"] != status:
        problems.append(f"statusCode {body['statusCode']} differs from HTTP {status}")
    return problems


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        document = yaml.safe_load(f)
    matchers = route_matchers(document)
    message_schema = document["components"]["schemas"]["MessageEnvelope"]
    try:
        lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        sys.exit("no responses were recorded: did the e2e tests run with JAMBO_RECORD_RESPONSES?")

    failures = []
    seen = Counter()
    for number, line in enumerate(lines, 1):
        exchange = json.loads(line)
        seen[exchange["status"]] += 1
        for problem in check(document, matchers, exchange, message_schema):
            failures.append(f"line {number}: {exchange['method']} {exchange['target'][:80]} -> "
                            f"{exchange['status']}: {problem}")
    print(f"{len(lines)} responses checked; by status: {dict(sorted(seen.items()))}")
    if not lines:
        sys.exit("no responses were recorded")
    if failures:
        print("\n".join(failures[:50]))
        sys.exit(f"{len(failures)} responses do not match docs/openapi.yaml")


if __name__ == "__main__":
    main()
