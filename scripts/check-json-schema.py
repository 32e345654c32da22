#!/usr/bin/env python3
"""Validates JSON files Munim wrote against one of the repository's own JSON Schemas.

usage: check-json-schema.py [--each] SCHEMA.json FILE.json [FILE.json ...]

--each: each FILE holds an array, and every element must validate (the bulk e-invoice file).

Exits 0 when every file validates, 1 otherwise, printing each problem with its path.
"""
import json
import sys

import jsonschema


def main() -> int:
    args = sys.argv[1:]
    each = bool(args) and args[0] == "--each"
    if each:
        args = args[1:]
    schema_path, *files = args
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if each and not isinstance(doc, list):
            print(f"{path}: (root): not an array")
            failed += 1
            continue
        docs = [(f"[{i}]/", d) for i, d in enumerate(doc)] if each else [("", doc)]
        errors = [(prefix, e) for prefix, d in docs for e in sorted(validator.iter_errors(d), key=lambda e: list(e.absolute_path))]
        for prefix, e in errors:
            print(f"{path}: {prefix}{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}")
        failed += bool(errors)
    if not failed:
        print(f"{len(files)} file(s) valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
