# Workloads with more than one replica have a PodDisruptionBudget
package user.clustersnek.CSK018

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK018",
	"title": "Workloads with more than one replica have a PodDisruptionBudget",
	"severity": "MEDIUM",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Without a PodDisruptionBudget a node drain can take every replica down at once.",
	"recommended_actions": "Add a PodDisruptionBudget selecting the workload's pods (the chart renders one when replicas > 1).",
}

__rego_input__ := {"combine": true, "selector": [{"type": "kubernetes"}]}

covered(d) {
	p := k8s.docs[_]
	p.kind == "PodDisruptionBudget"
	k8s.namespace(p) == k8s.namespace(d)
	labels := d.spec.template.metadata.labels
	sel := p.spec.selector.matchLabels
	count(k8s.keys(sel)) > 0
	not mismatch(sel, labels)
}

mismatch(sel, labels) {
	k := k8s.keys(sel)[_]
	sel[k] != object.get(labels, k, null)
}

deny[res] {
	d := k8s.docs[_]
	{"Deployment", "StatefulSet"}[d.kind]
	object.get(d.spec, "replicas", 1) > 1
	not covered(d)
	res := k8s.combined_result(d.kind, k8s.namespace(d), d.metadata.name, "spec.replicas", sprintf("%d replicas and no PodDisruptionBudget selects them", [d.spec.replicas]))
}
