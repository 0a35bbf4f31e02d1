# The statement is about the image being deployed
package user.attestations.ATT001

import data.user.attestations.lib

__rego_metadata__ := {
	"id": "ATT001",
	"title": "The statement's subject is the image digest",
	"severity": "CRITICAL",
	"type": "ClusterSnek attestation policy",
	"description": "A signed statement about another digest says nothing about this image.",
	"recommended_actions": "Re-run Sign for this digest; never copy attestations between images.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

names_digest {
	s := input.statement.subject[_]
	sprintf("sha256:%s", [s.digest.sha256]) == input.expected.digest
}

deny[res] {
	lib.is_check
	not names_digest
	found := [sprintf("sha256:%v", [s.digest.sha256]) | s := input.statement.subject[_]]
	res := lib.result("subject[].digest.sha256", input.expected.digest, lib.shown(found))
}
