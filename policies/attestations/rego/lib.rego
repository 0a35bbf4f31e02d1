# Shared helpers for the attestation policies. Input: one verified in-toto statement as an AttestationCheck document that
# VerifySignatures writes to artifacts/attestations/statements/<service>/<predicate>.json:
#   apiVersion, kind (so trivy 0.44 reads it: it scans a JSON file only when it looks like a Kubernetes document),
#   service, image, statement (the verified statement), predicateSha256 (sha256 of the predicate's canonical JSON),
#   expected: digest, buildType, builderIds, commit (absent: not checked), sbomSha256, sbomFile, notBefore, notAfter, maxAgeDays.
# Written for the OPA inside trivy 0.44: no rego.v1 keywords, no builtins newer than that.
# Every rule is "deny unless the expected fact is there", so a missing or malformed field fails.
package user.attestations.lib

provenance_type := "https://slsa.dev/provenance/v1"

sbom_type := "https://cyclonedx.org/bom"

is_check {
	input.kind == "AttestationCheck"
}

is_provenance {
	is_check
	input.statement.predicateType == provenance_type
}

is_sbom {
	is_check
	input.statement.predicateType == sbom_type
}

# The message VerifySignatures parses: "<field> | <expected> | <found>".
result(field, expected, found) := {"msg": sprintf("%s | %s | %s", [field, expected, found])}

# A value for the message, "(none)" when the field is missing.
shown(values) := "(none)" {
	count(values) == 0
} else := concat(", ", values)
