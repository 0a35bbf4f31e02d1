# No host namespaces or hostPath volumes
package user.clustersnek.CSK010

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK010",
	"title": "No host namespaces or hostPath volumes",
	"severity": "CRITICAL",
	"type": "ClusterSnek Kubernetes policy",
	"description": "hostNetwork, hostPID, hostIPC and hostPath break the isolation between the pod and the node.",
	"recommended_actions": "Remove hostNetwork/hostPID/hostIPC (or set false) and use emptyDir or a PersistentVolumeClaim instead of hostPath.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	k8s.is_workload
	field := ["hostNetwork", "hostPID", "hostIPC"][_]
	k8s.pod_spec(input)[field] == true
	res := k8s.result(input, sprintf("%s.%s", [k8s.pod_path(input), field]), "must not be true")
}

deny[res] {
	k8s.is_workload
	v := k8s.pod_spec(input).volumes[_]
	v.hostPath
	res := k8s.result(input, sprintf("%s.volumes[%s].hostPath", [k8s.pod_path(input), v.name]), sprintf("mounts host path '%s'", [v.hostPath.path]))
}
