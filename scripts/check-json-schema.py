#!/usr/bin/env python3
"""Validates JSON files Munim wrote against one of the repository's own JSON Schemas.

usage: check-json-schema.py SCHEMA.json FILE.json [FILE.json ...]

Exits 0 when every file validates, 1 otherwise, printing each problem with its path.
"""
import json
import sys

import jsonschema


def main() -> int:
    schema_path, *files = sys.argv[1:]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors:
            print(f"{path}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}")
        failed += bool(errors)
    if not failed:
        print(f"{len(files)} file(s) valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
