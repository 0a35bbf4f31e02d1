# Every namespace with workloads enforces Pod Security Standard 'restricted'
package user.clustersnek.CSK013

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK013",
	"title": "Every namespace with workloads enforces Pod Security Standard 'restricted'",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "The restricted Pod Security Standard makes the API server refuse pods that weaken isolation, even if a manifest slips through review.",
	"recommended_actions": "Render the Namespace with label pod-security.kubernetes.io/enforce: restricted (the chart's namespace.podSecurity.enforce).",
}

__rego_input__ := {"combine": true, "selector": [{"type": "kubernetes"}]}

level(ns) := l {
	d := k8s.docs[_]
	d.kind == "Namespace"
	d.metadata.name == ns
	l := object.get(object.get(d.metadata, "labels", {}), "pod-security.kubernetes.io/enforce", "(none)")
}

deny[res] {
	ns := k8s.workload_namespaces[_]
	not level(ns)
	res := k8s.combined_result("Namespace", ns, ns, "metadata.labels", "the Namespace is not in the manifests, so its Pod Security label cannot be checked; add it with pod-security.kubernetes.io/enforce: restricted")
}

deny[res] {
	ns := k8s.workload_namespaces[_]
	l := level(ns)
	l != "restricted"
	res := k8s.combined_result("Namespace", ns, ns, "metadata.labels.pod-security.kubernetes.io/enforce", sprintf("is '%s'; must be 'restricted'", [l]))
}
