"""Fails if `jambo serve --help` lists a flag or environment variable that
docs/configuration.md does not mention.

usage: check_configuration_doc.py <jambo> <configuration.md>
"""
import re
import subprocess
import sys

jambo, doc_path = sys.argv[1], sys.argv[2]
help_text = subprocess.run([jambo, "serve", "--help"], capture_output=True, text=True, check=True).stdout
doc = open(doc_path, encoding="utf-8").read()
flags = set(re.findall(r"(--[a-z][a-z0-9-]+)", help_text)) - {"--help"}
variables = set(re.findall(r"Env:(JAMBO_[A-Z_]+)", help_text))
missing = sorted(name for name in flags | variables if f"`{name}`" not in doc)
print(f"{len(flags)} flags and {len(variables)} variables in jambo serve --help")
if missing:
    sys.exit("missing from docs/configuration.md: " + ", ".join(missing))
