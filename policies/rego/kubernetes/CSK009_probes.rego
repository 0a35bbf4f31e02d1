# Long-running containers have startup, liveness and readiness probes
package user.clustersnek.CSK009

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK009",
	"title": "Long-running containers have startup, liveness and readiness probes",
	"severity": "MEDIUM",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Without probes Kubernetes sends traffic to pods that are not ready and never restarts a hung one.",
	"recommended_actions": "Define startupProbe, livenessProbe and readinessProbe (the chart's probes.* values).",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	k8s.service_kinds[input.kind]
	c := k8s.pod_spec(input).containers[_]
	probe := ["startupProbe", "livenessProbe", "readinessProbe"][_]
	not c[probe]
	res := k8s.result(input, sprintf("%s.containers[%s].%s", [k8s.pod_path(input), c.name, probe]), "is not defined")
}
