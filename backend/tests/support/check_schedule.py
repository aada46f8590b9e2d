"""Validates a frab/c3voc schedule JSON file against the schema fixture, with format checks.

Usage: check_schedule.py SCHEMA SCHEDULE. Exit 0 and print "valid", or exit 1 with the errors.
Used by tests/api/exports.rs (jsonschema comes from .ci/venv).
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
document = json.load(open(sys.argv[2], encoding="utf-8"))
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
for error in errors:
    print("/".join(str(p) for p in error.absolute_path), ":", error.message)
if errors:
    sys.exit(1)
print("valid")
