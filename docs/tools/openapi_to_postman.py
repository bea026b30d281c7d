"""Generates docs/jambo.postman_collection.json from docs/openapi.yaml, so the collection the
original service's users import into Postman never drifts from the API description.

usage: openapi_to_postman.py <openapi.yaml> <collection.json>
"""
import json
import re
import sys

import yaml

METHOD_ORDER = ["post", "get", "put", "patch", "delete"]


def example_body(operation, document):
    body = operation.get("requestBody")
    if not body:
        return None
    if "$ref" in body:
        body = document["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
    media = body.get("content", {}).get("application/json", {})
    return media.get("example")


def url_for(path, parameters):
    postman_path = re.sub(r"\{([^}]+)\}", r":\1", path)
    segments = postman_path.strip("/").split("/")
    url = {"raw": "{{baseUrl}}" + postman_path, "host": ["{{baseUrl}}"], "path": segments}
    variables = [{"key": name, "value": value} for name, value in parameters]
    if variables:
        url["variable"] = variables
    return url


def path_parameters(path):
    examples = {"ulid": "{{customerUlid}}", "token": "{{deletionToken}}"}
    return [(name, examples.get(name, "")) for name in re.findall(r"\{([^}]+)\}", path)]


def item(path, method, operation, document):
    secured = operation.get("security", document.get("security")) != []
    request = {"method": method.upper(), "header": [], "url": url_for(path, path_parameters(path)),
               "description": operation.get("description", operation.get("summary", ""))}
    if secured:
        request["auth"] = {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]}
    else:
        request["auth"] = {"type": "noauth"}
    body = example_body(operation, document)
    if body is not None:
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {"mode": "raw", "raw": json.dumps(body, indent=2, ensure_ascii=False),
                           "options": {"raw": {"language": "json"}}}
    return {"name": operation.get("summary", f"{method.upper()} {path}"), "request": request}


def main():
    source, output = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    folders = {}
    for path, path_item in document["paths"].items():
        for method in METHOD_ORDER:
            operation = path_item.get(method)
            if operation:
                tag = (operation.get("tags") or ["api"])[0]
                folders.setdefault(tag, []).append(item(path, method, operation, document))
    collection = {
        "info": {
            "name": document["info"]["title"],
            "description": document["info"].get("description", ""),
            "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
        },
        "variable": [
            {"key": "baseUrl", "value": document["servers"][0]["url"]},
            {"key": "token", "value": "", "description": "A customer token (from registering) or a staff token (jambo staff add)."},
            {"key": "customerUlid", "value": "01HWJ8WH9X8WBK65EMGY9YKPBS"},
            {"key": "deletionToken", "value": "", "description": "From the mailed link."},
        ],
        "item": [{"name": tag, "item": items} for tag, items in folders.items()],
    }
    with open(output, "w", encoding="utf-8") as f:
        json.dump(collection, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
