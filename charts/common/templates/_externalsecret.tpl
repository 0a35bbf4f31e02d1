{{/* Optional: an External Secrets Operator ExternalSecret that fills existingSecret from a store; values never carry secret data. */}}
{{- define "common.externalsecret" -}}
{{- if .Values.externalSecret.enabled }}
{{- $name := include "common.name" . -}}
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  refreshInterval: {{ .Values.externalSecret.refreshInterval }}
  secretStoreRef:
    name: {{ required (printf "%s.externalSecret.secretStore: name the SecretStore" $name) .Values.externalSecret.secretStore }}
    kind: {{ .Values.externalSecret.secretStoreKind }}
  target:
    name: {{ required (printf "%s.existingSecret: name the Secret the ExternalSecret fills" $name) .Values.existingSecret }}
    creationPolicy: Owner
  data:
    {{- range .Values.externalSecret.keys }}
    - secretKey: {{ .secretKey }}
      remoteRef:
        key: {{ .remoteKey }}
        {{- with .property }}
        property: {{ . }}
        {{- end }}
    {{- end }}
{{- end }}
{{- end -}}
