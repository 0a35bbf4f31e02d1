# The provenance describes a ClusterSnek build
package user.attestations.ATT002

import data.user.attestations.lib

__rego_metadata__ := {
	"id": "ATT002",
	"title": "Provenance build type is ClusterSnek's",
	"severity": "HIGH",
	"type": "ClusterSnek attestation policy",
	"description": "Another build type means another build process produced (or claims to have produced) the image.",
	"recommended_actions": "Build and sign the image with this pipeline (./build.sh Sign).",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

ok {
	input.statement.predicate.buildDefinition.buildType == input.expected.buildType
}

deny[res] {
	lib.is_provenance
	not ok
	found := [sprintf("%v", [t]) | t := input.statement.predicate.buildDefinition.buildType]
	res := lib.result("predicate.buildDefinition.buildType", input.expected.buildType, lib.shown(found))
}
