"""The in-toto attestation framework's own Python bindings as the referee of sigchain's SLSA
provenance statements.

Run by sigchain-cli/tests/provenance.rs with the statements `sigchain provenance generate`
printed (one JSON file per argument). For each:

  1. the whole statement parses strictly (no unknown fields, every field of its protobuf type)
     into `in_toto_attestation.v1.statement_pb2.Statement` with protobuf's `json_format`, and
     the framework's `Statement` wrapper accepts it (`validate()`: type, subjects with digests,
     predicate type, a predicate);
  2. the predicate parses strictly into the SLSA Provenance v1 message
     (`in_toto_attestation.predicates.provenance.v1.provenance_pb2.Provenance`);
  3. every ResourceDescriptor in it (subjects, resolved dependencies, byproducts, builder
     dependencies) passes the framework's `ResourceDescriptor.validate()`.

Prints one line per statement and exits non-zero with a traceback on the first refusal.
"""

from __future__ import annotations

import json
import sys

from google.protobuf import json_format

from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement

PROVENANCE_V1 = "https://slsa.dev/provenance/v1"


def check(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        document = json.load(f)

    # 1. Strict protobuf reading of the statement, then the framework's own checks.
    statement_pb = json_format.ParseDict(document, statement_pb2.Statement())
    statement = Statement.copy_from_pb(statement_pb)
    statement.validate()
    # The wrapper's constructor path as well: subjects, type and predicate as given.
    rebuilt = Statement(
        list(statement_pb.subject), document["predicateType"], document["predicate"]
    )
    rebuilt.validate()
    if document["predicateType"] != PROVENANCE_V1:
        raise ValueError(f"{path}: predicate type {document['predicateType']!r}")

    # 2. The predicate as the SLSA Provenance v1 message, strictly.
    provenance = json_format.ParseDict(
        document["predicate"], provenance_pb2.Provenance()
    )
    if not provenance.build_definition.build_type:
        raise ValueError(f"{path}: no buildType")
    if not provenance.run_details.builder.id:
        raise ValueError(f"{path}: no builder id")

    # 3. Every ResourceDescriptor.
    descriptors = (
        list(statement_pb.subject)
        + list(provenance.build_definition.resolved_dependencies)
        + list(provenance.run_details.byproducts)
        + list(provenance.run_details.builder.builder_dependencies)
    )
    for descriptor in descriptors:
        ResourceDescriptor.copy_from_pb(descriptor).validate()

    return (
        f"OK {path}: {len(statement_pb.subject)} subject(s), builder "
        f"{provenance.run_details.builder.id}, "
        f"{len(provenance.build_definition.resolved_dependencies)} dependency(ies)"
    )


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: provenance_referee.py STATEMENT.json...", file=sys.stderr)
        return 2
    for path in sys.argv[1:]:
        print(check(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
