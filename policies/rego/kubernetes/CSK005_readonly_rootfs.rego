# Root filesystem is read-only
package user.clustersnek.CSK005

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK005",
	"title": "Root filesystem is read-only",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "A writable root filesystem lets an attacker drop tools and persist changes inside the container.",
	"recommended_actions": "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes (the chart mounts /tmp).",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	not object.get(object.get(e.c, "securityContext", {}), "readOnlyRootFilesystem", false) == true
	res := k8s.result(input, sprintf("%s.securityContext.readOnlyRootFilesystem", [e.path]), "must be true")
}
