{{/* Everything one service needs; a subchart's only template is {{ include "common.app" . }}. */}}
{{- define "common.app" -}}
{{ include "common.serviceaccount" . }}
---
{{ include "common.deployment" . }}
---
{{ include "common.k8sservice" . }}
---
{{ include "common.networkpolicy" . }}
{{- with include "common.pdb" . | trim }}
---
{{ . }}
{{- end }}
{{- with include "common.rbac" . | trim }}
---
{{ . }}
{{- end }}
{{- with include "common.externalsecret" . | trim }}
---
{{ . }}
{{- end }}
{{- with include "common.testnetworkpolicy" . | trim }}
---
{{ . }}
{{- end }}
{{- with include "common.testhook" . | trim }}
---
{{ . }}
{{- end }}
{{- end -}}
