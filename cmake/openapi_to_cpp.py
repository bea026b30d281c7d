"""Compiles docs/openapi.yaml into a C++ source holding the same document as JSON, so
GET /api/openapi.json serves the one description the docs are written from.

usage: openapi_to_cpp.py <openapi.yaml> <output.cpp>
"""
import json
import sys

import yaml

source, output = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8") as f:
    document = yaml.safe_load(f)
text = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
delimiter = "openapi"
assert f"){delimiter}\"" not in text
cpp = (
    "// Generated from docs/openapi.yaml by cmake/openapi_to_cpp.py. Do not edit.\n"
    "#include <string_view>\n\n"
    "namespace jambo::http {\n"
    "extern const std::string_view openapi_json;\n"
    f"const std::string_view openapi_json = R\"{delimiter}({text}){delimiter}\";\n"
    "}  // namespace jambo::http\n"
)
try:
    with open(output, encoding="utf-8") as f:
        if f.read() == cpp:
            sys.exit(0)
except FileNotFoundError:
    pass
with open(output, "w", encoding="utf-8") as f:
    f.write(cpp)
