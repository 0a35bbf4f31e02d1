# The provenance names the expected builder
package user.attestations.ATT003

import data.user.attestations.lib

__rego_metadata__ := {
	"id": "ATT003",
	"title": "Provenance builder is the expected one",
	"severity": "HIGH",
	"type": "ClusterSnek attestation policy",
	"description": "The builder id names who ran the build (the GitHub workflow, or the local builder); another one is not this pipeline.",
	"recommended_actions": "Sign in the environment the release is verified for (the same workflow on CI, the local builder locally).",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

ok {
	input.statement.predicate.runDetails.builder.id == input.expected.builderIds[_]
}

deny[res] {
	lib.is_provenance
	not ok
	found := [sprintf("%v", [b]) | b := input.statement.predicate.runDetails.builder.id]
	res := lib.result("predicate.runDetails.builder.id", concat(" or ", input.expected.builderIds), lib.shown(found))
}
