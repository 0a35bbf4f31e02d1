# CPU and memory requests and limits are set
package user.clustersnek.CSK008

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK008",
	"title": "CPU and memory requests and limits are set",
	"severity": "MEDIUM",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Without requests the scheduler overcommits; without limits one container can starve its neighbours.",
	"recommended_actions": "Set resources.requests and resources.limits for cpu and memory.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	kind := ["requests", "limits"][_]
	resource := ["cpu", "memory"][_]
	not object.get(object.get(e.c, "resources", {}), kind, {})[resource]
	res := k8s.result(input, sprintf("%s.resources.%s.%s", [e.path, kind, resource]), "is not set")
}
