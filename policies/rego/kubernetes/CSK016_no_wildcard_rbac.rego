# RBAC rules name their verbs, resources and API groups
package user.clustersnek.CSK016

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK016",
	"title": "RBAC rules name their verbs, resources and API groups",
	"severity": "CRITICAL",
	"type": "ClusterSnek Kubernetes policy",
	"description": "A '*' in a Role grants everything the API offers today and everything it will offer tomorrow.",
	"recommended_actions": "List the exact apiGroups, resources and verbs the app needs (the ai-agent needs get/list/watch on pods and events).",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	{"Role", "ClusterRole"}[input.kind]
	some i
	rule := input.rules[i]
	field := ["apiGroups", "resources", "verbs"][_]
	rule[field][_] == "*"
	res := k8s.result(input, sprintf("rules[%d].%s", [i, field]), "contains '*'")
}
