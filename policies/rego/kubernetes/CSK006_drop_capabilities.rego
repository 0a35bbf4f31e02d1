# All capabilities are dropped
package user.clustersnek.CSK006

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK006",
	"title": "All capabilities are dropped",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Linux capabilities such as NET_RAW or SYS_ADMIN give a process root-like powers without uid 0.",
	"recommended_actions": "Set securityContext.capabilities.drop: [ALL] and add none.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

caps(c) := object.get(object.get(c, "securityContext", {}), "capabilities", {})

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	not drops_all(e.c)
	res := k8s.result(input, sprintf("%s.securityContext.capabilities.drop", [e.path]), "must contain ALL")
}

drops_all(c) {
	upper(object.get(caps(c), "drop", [])[_]) == "ALL"
}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	added := object.get(caps(e.c), "add", [])
	count(added) > 0
	res := k8s.result(input, sprintf("%s.securityContext.capabilities.add", [e.path]), sprintf("adds %v; must add none", [added]))
}
