# The SBOM attestation is the SBOM Sbom wrote for this digest
package user.attestations.ATT005

import data.user.attestations.lib

__rego_metadata__ := {
	"id": "ATT005",
	"title": "SBOM attestation equals the SBOM written for the digest",
	"severity": "HIGH",
	"type": "ClusterSnek attestation policy",
	"description": "An attested SBOM that differs from the one Sbom wrote hides or invents components.",
	"recommended_actions": "Re-run Sbom and Sign for this digest.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

ok {
	input.predicateSha256 == input.expected.sbomSha256
}

expected := sprintf("%s (%s)", [input.expected.sbomSha256, input.expected.sbomFile]) {
	input.expected.sbomSha256
} else := "an SBOM written by Sbom for this digest (none found: run Sbom)"

deny[res] {
	lib.is_sbom
	not ok
	found := [sprintf("%v", [h]) | h := input.predicateSha256]
	res := lib.result("predicate (sha256 of its canonical JSON)", expected, lib.shown(found))
}
