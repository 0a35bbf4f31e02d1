{{/* helm test: one Pod per app calling its health endpoint through the Service. */}}
{{- define "common.testhook" -}}
{{- if .Values.global.tests.enabled }}
{{- $name := include "common.name" . -}}
{{- $svc := include "common.service" . | fromYaml -}}
{{- $t := .Values.global.tests -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ printf "%s-test-health" $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
    app.kubernetes.io/component: test
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  serviceAccountName: {{ $name }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  containers:
    - name: health
      image: {{ if $t.image.repository }}{{ printf "%s@%s" $t.image.repository $t.image.digest }}{{ else }}{{ include "common.image" . }}{{ end }}
      imagePullPolicy: IfNotPresent
      command: {{ toJson (concat $t.command (list (printf "http://%s:%v%s" $name $svc.port ($svc.health | default "/healthz")))) }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      resources:
        {{- toYaml $t.resources | nindent 8 }}
{{- end }}
{{- end -}}
