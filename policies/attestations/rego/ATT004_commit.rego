# The provenance names the release's source commit
package user.attestations.ATT004

import data.user.attestations.lib

__rego_metadata__ := {
	"id": "ATT004",
	"title": "Provenance source commit is the release's commit",
	"severity": "HIGH",
	"type": "ClusterSnek attestation policy",
	"description": "An image built from another commit is not the code that was reviewed and released.",
	"recommended_actions": "Rebuild and sign the image from the release commit.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

# The release has no commit (not a git checkout): nothing to compare, the rule does not apply.
ok {
	not input.expected.commit
}

ok {
	input.statement.predicate.buildDefinition.resolvedDependencies[_].digest.gitCommit == input.expected.commit
}

deny[res] {
	lib.is_provenance
	not ok
	found := [sprintf("%v", [c]) | c := input.statement.predicate.buildDefinition.resolvedDependencies[_].digest.gitCommit]
	res := lib.result("predicate.buildDefinition.resolvedDependencies[].digest.gitCommit", input.expected.commit, lib.shown(found))
}
