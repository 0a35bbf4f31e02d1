# Images are referenced by digest
package user.clustersnek.CSK001

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK001",
	"title": "Images are referenced by digest",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "A tag can be moved to other content after review; a digest names exactly the image that was built, scanned and signed.",
	"recommended_actions": "Set <app>.image.digest to the sha256 digest of the built image (the pipeline does this); never use a bare tag.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	not regex.match(`@sha256:[a-f0-9]{64}$`, e.c.image)
	res := k8s.result(input, sprintf("%s.image", [e.path]), sprintf("image '%s' is not pinned by digest (@sha256:...)", [e.c.image]))
}
