# Every namespace with workloads has a ResourceQuota and a LimitRange
package user.clustersnek.CSK019

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK019",
	"title": "Every namespace with workloads has a ResourceQuota and a LimitRange",
	"severity": "MEDIUM",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Without a quota one namespace can take the whole cluster; without a LimitRange containers without resources get no limits.",
	"recommended_actions": "Render a ResourceQuota and a LimitRange in the namespace (the chart's resourceQuota.enabled and limitRange.enabled).",
}

__rego_input__ := {"combine": true, "selector": [{"type": "kubernetes"}]}

has(kind, ns) {
	d := k8s.docs[_]
	d.kind == kind
	k8s.namespace(d) == ns
}

deny[res] {
	ns := k8s.workload_namespaces[_]
	kind := ["ResourceQuota", "LimitRange"][_]
	not has(kind, ns)
	res := k8s.combined_result("Namespace", ns, ns, kind, sprintf("no %s in this namespace", [kind]))
}
