#!/usr/bin/env python3
"""Validates recorded Twilio requests and fake responses against the official API v2010 document.

usage: check-twilio-request.py SPEC.json request|response FILE...
  request:  each FILE is a JSON list of [name, value] form pairs sent to Messages.json (POST);
            they are typed per the CreateMessageRequest schema (repeated names become arrays)
            and every name must be a documented parameter.
  response: each FILE is a JSON body our fake returned; it must match api.v2010.account.message.
Prints "valid <kind> (N)" or exits 1 with the first problem.
"""
import json
import sys

import jsonschema


def resolve(spec, node):
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].split("/")[-1]
            return resolve(spec, spec["components"]["schemas"][name])
        out = {k: resolve(spec, v) for k, v in node.items() if k != "nullable"}
        # The document is OpenAPI 3.0: `nullable: true` means JSON Schema's extra "null" type.
        if node.get("nullable") and "type" in out:
            out["type"] = [out["type"], "null"]
        if node.get("nullable") and "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
        return out
    if isinstance(node, list):
        return [resolve(spec, v) for v in node]
    return node


def typed(schema, pairs):
    props = schema["properties"]
    out = {}
    for name, value in pairs:
        if name not in props:
            raise SystemExit(f"undocumented parameter {name!r}")
        t = props[name].get("type")
        if t == "array":
            out.setdefault(name, []).append(value)
        elif t == "integer":
            out[name] = int(value)
        elif t == "number":
            out[name] = float(value)
        elif t == "boolean":
            out[name] = value.lower() == "true"
        else:
            if name in out:
                raise SystemExit(f"parameter {name!r} repeated")
            out[name] = value
    return out


def main():
    spec_path, kind, *files = sys.argv[1:]
    spec = json.load(open(spec_path))
    post = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]["post"]
    if kind == "request":
        schema = resolve(spec, post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"])
    else:
        schema = resolve(spec, post["responses"]["201"]["content"]["application/json"]["schema"])
    # The document uses formats (phone-number, uri) that jsonschema checks only loosely; types,
    # patterns and required fields are what matter here.
    validator = jsonschema.Draft202012Validator(schema)
    for f in files:
        data = json.load(open(f))
        instance = typed(schema, data) if kind == "request" else data
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            raise SystemExit(f"{f}: {errors[0].message} at {list(errors[0].path)}")
    print(f"valid {kind} ({len(files)})")


if __name__ == "__main__":
    main()
