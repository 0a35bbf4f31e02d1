# No secret data in manifests
package user.clustersnek.CSK014

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK014",
	"title": "No secret data in manifests",
	"severity": "CRITICAL",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Secret data in a chart or manifest ends up in git, in release history and in every rendered artifact.",
	"recommended_actions": "Create the Secret outside the chart (or with an ExternalSecret) and reference it by name (<app>.existingSecret).",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	input.kind == "Secret"
	field := ["data", "stringData"][_]
	n := count(k8s.keys(object.get(input, field, {})))
	n > 0
	res := k8s.result(input, field, sprintf("carries %d key(s) of secret data", [n]))
}

secret_name(name) {
	regex.match(`(?i)(password|passwd|secret|token|api_?key|private_?key|credentials)`, name)
}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	env := object.get(e.c, "env", [])[_]
	secret_name(env.name)
	is_string(env.value)
	env.value != ""
	res := k8s.result(input, sprintf("%s.env[%s].value", [e.path, env.name]), "a secret-looking variable has a literal value; use valueFrom.secretKeyRef or envFrom a Secret")
}
