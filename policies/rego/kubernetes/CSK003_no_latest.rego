# No 'latest' or missing tag
package user.clustersnek.CSK003

import data.user.lib.k8s

__rego_metadata__ := {
	"id": "CSK003",
	"title": "No 'latest' or missing tag",
	"severity": "HIGH",
	"type": "ClusterSnek Kubernetes policy",
	"description": "'latest' (or no tag, which means latest) changes under a running workload and makes rollbacks meaningless.",
	"recommended_actions": "Reference the image by digest; if a tag is kept for readability, use a version tag, not 'latest'.",
}

__rego_input__ := {"selector": [{"type": "kubernetes"}]}

name_part(image) := split(image, "@")[0]

last_segment(image) := segs[count(segs) - 1] {
	segs := split(name_part(image), "/")
}

uses_latest(image) {
	endswith(name_part(image), ":latest")
}

uses_latest(image) {
	not contains(last_segment(image), ":")
	not contains(image, "@")
}

deny[res] {
	k8s.is_workload
	e := k8s.containers(input)[_]
	uses_latest(e.c.image)
	res := k8s.result(input, sprintf("%s.image", [e.path]), sprintf("image '%s' uses 'latest' (explicitly or by having no tag)", [e.c.image]))
}
