# Each workload has its own ServiceAccount
package user.clustersnek.CSK015

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK015",
	"title": "Each workload has its own ServiceAccount",
	"severity": "MEDIUM",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Workloads that share a ServiceAccount (or use 'default') share every permission granted to it.",
	"recommended_actions": "Set serviceAccountName to a ServiceAccount of its own, rendered with the workload (the chart creates one per app).",
}

__rego_input__ := {"combine": true, "selector": [{"type": "kubernetes"}]}

service_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

workloads := [d | d := k8s.docs[_]; service_kinds[d.kind]]

sa_of(d) := object.get(k8s.pod_spec(d), "serviceAccountName", "default")

deny[res] {
	d := workloads[_]
	sa_of(d) == "default"
	res := k8s.combined_result(d.kind, k8s.namespace(d), d.metadata.name, sprintf("%s.serviceAccountName", [k8s.pod_path(d)]), "uses the 'default' ServiceAccount")
}

deny[res] {
	d := workloads[_]
	sa := sa_of(d)
	sa != "default"
	not sa_defined(k8s.namespace(d), sa)
	res := k8s.combined_result(d.kind, k8s.namespace(d), d.metadata.name, sprintf("%s.serviceAccountName", [k8s.pod_path(d)]), sprintf("ServiceAccount '%s' is not in the manifests", [sa]))
}

sa_defined(ns, name) {
	s := k8s.docs[_]
	s.kind == "ServiceAccount"
	k8s.namespace(s) == ns
	s.metadata.name == name
}

deny[res] {
	d := workloads[_]
	other := workloads[_]
	d.metadata.name < other.metadata.name
	k8s.namespace(d) == k8s.namespace(other)
	sa_of(d) == sa_of(other)
	sa_of(d) != "default"
	res := k8s.combined_result(d.kind, k8s.namespace(d), d.metadata.name, sprintf("%s.serviceAccountName", [k8s.pod_path(d)]), sprintf("shares ServiceAccount '%s' with %s/%s", [sa_of(d), other.kind, other.metadata.name]))
}
