# A seccomp profile is applied
package user.clustersnek.CSK007

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK007",
	"title": "A seccomp profile is applied",
	"severity": "MEDIUM",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Without seccomp the container can call every syscall, including the ones most kernel exploits use.",
	"recommended_actions": "Set securityContext.seccompProfile.type: RuntimeDefault (pod or container).",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	profile := object.get(k8s.effective(input, e.c, "seccompProfile", {}), "type", "(not set)")
	not profile_ok(profile)
	res := k8s.result(input, sprintf("%s.securityContext.seccompProfile.type", [e.path]), sprintf("is '%s'; must be RuntimeDefault or Localhost", [profile]))
}

profile_ok("RuntimeDefault")

profile_ok("Localhost")
