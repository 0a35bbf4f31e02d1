# The provenance is recent
package user.attestations.ATT006

import data.user.attestations.lib

__rego_metadata__ := {
	"id": "ATT006",
	"title": "Provenance is younger than the maximum age",
	"severity": "MEDIUM",
	"type": "ClusterSnek attestation policy",
	"description": "An old statement is a replayed one, or a release built long ago that no longer matches the policies it was signed under.",
	"recommended_actions": "Sign the image again (./build.sh Sign), or raise --attestation-max-age-days if the release is meant to be old.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

# finishedOn within [notBefore, notAfter]; an unparseable or missing time is not recent.
ok {
	t := time.parse_rfc3339_ns(input.statement.predicate.runDetails.metadata.finishedOn)
	t >= time.parse_rfc3339_ns(input.expected.notBefore)
	t <= time.parse_rfc3339_ns(input.expected.notAfter)
}

deny[res] {
	lib.is_provenance
	not ok
	found := [sprintf("%v", [t]) | t := input.statement.predicate.runDetails.metadata.finishedOn]
	expected := sprintf("between %s and %s (at most %v days old)", [input.expected.notBefore, input.expected.notAfter, input.expected.maxAgeDays])
	res := lib.result("predicate.runDetails.metadata.finishedOn", expected, lib.shown(found))
}
