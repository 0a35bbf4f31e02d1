{{/* Allows on top of the umbrella's default-deny: ingress from the apps that depend on this one, egress to its own dependencies. */}}
{{- define "common.networkpolicy" -}}
{{- $name := include "common.name" . -}}
{{- $svc := include "common.service" . | fromYaml -}}
{{- $callers := list -}}
{{- range $other, $spec := .Values.global.services -}}
{{- if has $name ($spec.dependsOn | default list) }}{{ $callers = append $callers $other }}{{ end -}}
{{- end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "common.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- if .Values.networkPolicy.allowExternalIngress }}
    - ports:
        - port: {{ $svc.port }}
          protocol: TCP
    {{- end }}
    {{- if .Values.global.tests.enabled }}
    # This app's helm test Pod (labels of its own, see _test.tpl).
    - from:
        - podSelector:
            matchLabels:
              clustersnek.io/test-of: {{ $name }}
      ports:
        - port: {{ $svc.port }}
          protocol: TCP
    {{- end }}
    {{- range $callers }}
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
      ports:
        - port: {{ $svc.port }}
          protocol: TCP
    {{- end }}
  egress:
    {{- range $dep := $svc.dependsOn | default list }}
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ $dep }}
      ports:
        - port: {{ (index $.Values.global.services $dep).port }}
          protocol: TCP
    {{- end }}
    {{- $api := .Values.global.kubeApiServer | default dict }}
    {{- if and .Values.rbac.enabled $api.cidrs }}
    # The Kubernetes API server only (global.kubeApiServer), for the app that reads pods and events.
    - to:
        {{- range $api.cidrs }}
        - ipBlock:
            cidr: {{ . }}
        {{- end }}
      ports:
        {{- range $api.ports }}
        - port: {{ . }}
          protocol: TCP
        {{- end }}
    {{- end }}
{{- end -}}
