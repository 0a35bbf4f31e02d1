# Shared helpers for ClusterSnek's Kubernetes policies. Written for the OPA inside trivy 0.44:
# builtins newer than that (object.keys, rego.v1 keywords) make trivy drop a policy silently.
package user.lib.k8s

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}

# Long-running workloads: probes and disruption budgets apply to these.
service_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

is_workload {
	workload_kinds[input.kind]
}

pod_spec(obj) := obj.spec.jobTemplate.spec.template.spec {
	obj.kind == "CronJob"
} else := obj.spec {
	obj.kind == "Pod"
} else := obj.spec.template.spec

pod_path(obj) := "spec.jobTemplate.spec.template.spec" {
	obj.kind == "CronJob"
} else := "spec" {
	obj.kind == "Pod"
} else := "spec.template.spec"

# Every container with the field path prefix that names it.
containers(obj) := [entry |
	group := ["containers", "initContainers"][_]
	c := object.get(pod_spec(obj), group, [])[_]
	entry := {"c": c, "path": sprintf("%s.%s[%s]", [pod_path(obj), group, c.name])}
]

namespace(obj) := object.get(obj.metadata, "namespace", "default")

resource(obj) := sprintf("%s/%s/%s", [obj.kind, namespace(obj), obj.metadata.name])

# The message format the pipeline parses: "<resource> | <field> | <text>".
result(obj, field, text) := {"msg": sprintf("%s | %s | %s", [resource(obj), field, text])}

# A setting of the container, falling back to the pod's securityContext (Kubernetes' own precedence), else dflt.
effective(obj, c, name, dflt) := object.get(object.get(c, "securityContext", {}), name, object.get(object.get(pod_spec(obj), "securityContext", {}), name, dflt))

# Keys of an object as written in the manifest: trivy adds "__defsec_metadata" (line numbers) to every object.
keys(o) := {k | _ = o[k]; k != "__defsec_metadata"}

docs := [d | d := input[_].contents]

cluster_scoped_kinds := {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "StorageClass"}

# Namespaces that hold workloads in a combined input (every document of the scan).
workload_namespaces := {namespace(d) | d := docs[_]; workload_kinds[d.kind]}

# Result of a combined policy: it names the resource, not the document it was found in.
combined_result(kind, ns, name, field, text) := {"msg": sprintf("%s/%s/%s | %s | %s", [kind, ns, name, field, text])}
