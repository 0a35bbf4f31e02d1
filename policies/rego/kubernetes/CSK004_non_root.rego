# Containers run as a non-root user and group
package user.clustersnek.CSK004

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK004",
	"title": "Containers run as a non-root user and group",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "A process running as uid 0 or gid 0 owns the container and is one kernel bug away from the node.",
	"recommended_actions": "Set runAsNonRoot: true and runAsUser/runAsGroup to a non-zero id (the chart uses 65532).",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	not k8s.effective(input, e.c, "runAsNonRoot", false) == true
	res := k8s.result(input, sprintf("%s.securityContext.runAsNonRoot", [e.path]), "must be true (container or pod securityContext)")
}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	id := ["runAsUser", "runAsGroup"][_]
	k8s.effective(input, e.c, id, -1) == 0
	res := k8s.result(input, sprintf("%s.securityContext.%s", [e.path, id]), "must not be 0 (root)")
}
