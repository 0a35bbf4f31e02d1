# No privileged containers or privilege escalation
package user.clustersnek.CSK011

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK011",
	"title": "No privileged containers or privilege escalation",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "A privileged container is root on the node; allowPrivilegeEscalation lets setuid binaries gain privileges.",
	"recommended_actions": "Set securityContext.allowPrivilegeEscalation: false and privileged: false.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	not object.get(object.get(e.c, "securityContext", {}), "allowPrivilegeEscalation", true) == false
	res := k8s.result(input, sprintf("%s.securityContext.allowPrivilegeEscalation", [e.path]), "must be false")
}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	object.get(object.get(e.c, "securityContext", {}), "privileged", false) == true
	res := k8s.result(input, sprintf("%s.securityContext.privileged", [e.path]), "must not be true")
}
