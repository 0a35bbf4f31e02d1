# Every namespace with workloads has a default-deny NetworkPolicy
package user.clustersnek.CSK012

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK012",
	"title": "Every namespace with workloads has a default-deny NetworkPolicy",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Without a default-deny policy every pod can reach every other pod and the internet; explicit allows then mean nothing.",
	"recommended_actions": "Add a NetworkPolicy with podSelector: {}, policyTypes: [Ingress, Egress] and no rules (the chart's networkPolicy.defaultDeny).",
}

__rego_input__ := {"combine": true, "selector": [{"type": "kubernetes"}]}

default_deny(ns) {
	d := k8s.docs[_]
	d.kind == "NetworkPolicy"
	k8s.namespace(d) == ns
	count(k8s.keys(object.get(d.spec, "podSelector", {}))) == 0
	types := {t | t := d.spec.policyTypes[_]}
	types == {"Ingress", "Egress"}
	count(object.get(d.spec, "ingress", [])) == 0
	count(object.get(d.spec, "egress", [])) == 0
}

deny[res] {
	ns := k8s.workload_namespaces[_]
	not default_deny(ns)
	res := k8s.combined_result("Namespace", ns, ns, "NetworkPolicy", "no default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress], no rules) in this namespace")
}
