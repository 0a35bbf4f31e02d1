{{/* The app's name is its chart name (one subchart per service of clustersnek.yaml). */}}
{{- define "common.name" -}}
{{- .Chart.Name -}}
{{- end -}}

{{- define "common.labels" -}}
app.kubernetes.io/name: {{ include "common.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: clustersnek
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "common.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* This app's entry in global.services: port, health and ready paths, dependsOn. */}}
{{- define "common.service" -}}
{{- $name := include "common.name" . -}}
{{- $svc := index .Values.global.services $name | default dict -}}
{{- if not $svc.port -}}
{{- fail (printf "global.services.%s.port: not set. Every subchart needs its service entry in the umbrella's values.yaml." $name) -}}
{{- end -}}
{{- toYaml $svc -}}
{{- end -}}

{{/* repository@digest; a tag is never used (policy CSK001). */}}
{{- define "common.image" -}}
{{- $name := include "common.name" . -}}
{{- $repo := .Values.image.repository | default (printf "%s/%s/%s" .Values.global.imageRegistry .Values.global.imageRepositoryPrefix $name) -}}
{{- $digest := required (printf "%s.image.digest: set the image digest (sha256:<64 hex>); images are referenced by digest only" $name) .Values.image.digest -}}
{{- if not (regexMatch "^sha256:[a-f0-9]{64}$" $digest) -}}
{{- fail (printf "%s.image.digest: '%s' is not a sha256 digest (sha256:<64 hex>)" $name $digest) -}}
{{- end -}}
{{- printf "%s@%s" $repo $digest -}}
{{- end -}}

{{- define "common.replicas" -}}
{{- if kindIs "invalid" .Values.replicas -}}{{ .Values.global.replicas }}{{- else -}}{{ .Values.replicas }}{{- end -}}
{{- end -}}
