# Images come from an allowed registry
package user.clustersnek.CSK002

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK002",
	"title": "Images come from an allowed registry",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "Only registries listed in clustersnek.yaml policies.allowedRegistries are trusted sources of images.",
	"recommended_actions": "Push the image to an allowed registry (clustersnek.yaml policies.allowedRegistries) and reference it there.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

allowed(image) {
	registry := data.clustersnek.allowedRegistries[_]
	startswith(image, concat("", [registry, "/"]))
}

allowed(image) {
	registry := data.clustersnek.allowedRegistries[_]
	startswith(image, concat("", [registry, ":"]))
}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	not allowed(e.c.image)
	res := k8s.result(input, sprintf("%s.image", [e.path]), sprintf("image '%s' is not from an allowed registry %v", [e.c.image, data.clustersnek.allowedRegistries]))
}
