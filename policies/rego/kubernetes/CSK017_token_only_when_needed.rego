# A ServiceAccount token is mounted only for pods that use the API
package user.clustersnek.CSK017

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK017",
	"title": "A ServiceAccount token is mounted only for pods that use the API",
	"severity": "MEDIUM",
	"type": "ClusterSnek Kubernetes policy",
	"description": "A mounted token is a credential for the Kubernetes API; a pod that does not call the API only gives it to an attacker.",
	"recommended_actions": "Set automountServiceAccountToken: false unless the workload's ServiceAccount is bound to a Role (the chart's rbac.enabled).",
}

__rego_input__ := {"combine": true, "selector": [{"type": "kubernetes"}]}

service_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

bound(ns, sa) {
	b := k8s.docs[_]
	{"RoleBinding", "ClusterRoleBinding"}[b.kind]
	s := b.subjects[_]
	s.kind == "ServiceAccount"
	s.name == sa
	object.get(s, "namespace", k8s.namespace(b)) == ns
}

deny[res] {
	d := k8s.docs[_]
	service_kinds[d.kind]
	spec := k8s.pod_spec(d)
	not object.get(spec, "automountServiceAccountToken", true) == false
	sa := object.get(spec, "serviceAccountName", "default")
	not bound(k8s.namespace(d), sa)
	res := k8s.combined_result(d.kind, k8s.namespace(d), d.metadata.name, sprintf("%s.automountServiceAccountToken", [k8s.pod_path(d)]), sprintf("mounts a token but ServiceAccount '%s' has no RoleBinding; set it to false", [sa]))
}
