#!/usr/bin/env python3
"""Validates request bodies Munim sent against the official OpenAI OpenAPI document.

usage: check-openai-request.py SPEC.yaml SCHEMA_NAME BODY.json [BODY.json ...]

Each BODY is a JSON document (for multipart requests, the form fields as a JSON object). Exits 0
when every body validates against components.schemas[SCHEMA_NAME], 1 otherwise, printing why.
"""
import json
import sys

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def main() -> int:
    spec_path, schema_name, *bodies = sys.argv[1:]
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openai", resource)
    schema = {"$ref": f"urn:openai#/components/schemas/{schema_name}"}
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    failed = 0
    for path in bodies:
        with open(path, encoding="utf-8") as f:
            body = json.load(f)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            failed += 1
            print(f"{path}: {len(errors)} problem(s) against {schema_name}")
            for e in errors[:10]:
                print("  at", "/".join(map(str, e.absolute_path)) or "(root)", ":", e.message[:300])
        else:
            print(f"{path}: valid {schema_name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
