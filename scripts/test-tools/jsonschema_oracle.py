#!/usr/bin/env python3
"""The reference verdicts for HearthPrivacy's JSON Schema differential test.

    jsonschema_oracle.py PAIRS.jsonl

Each line of PAIRS.jsonl is {"schema": <schema>, "instance": <instance>}. For each line, in order,
one line is printed: `valid` or `invalid` (python-jsonschema's Draft202012Validator, no format
checking, patterns searched with Python's `re`), or `schema-error` when the schema does not pass
the draft 2020-12 meta-schema.
"""
import json
import sys

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def verdict(schema, instance):
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return "schema-error"
    return "valid" if Draft202012Validator(schema).is_valid(instance) else "invalid"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = []
    with open(sys.argv[1], encoding="utf-8") as pairs:
        for line in pairs:
            case = json.loads(line)
            out.append(verdict(case["schema"], case["instance"]))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
