{{/*
helm test: one Pod per app calling its health endpoint through the Service. By default the Pod runs the app's own image
and binary (`<service> probe <url>`; the images are distroless, no wget). Its labels are its own: the app's Service, PDB
and NetworkPolicy do not select it; the `<app>-test` NetworkPolicy lets it reach the app's port and nothing else.
*/}}
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
    {{- include "common.testLabels" . | nindent 4 }}
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
      {{- $url := printf "http://%s:%v%s" $name $svc.port ($svc.health | default "/healthz") }}
      {{- if $t.image.repository }}
      {{- if not $t.command }}{{ fail "global.tests.command: a test image of your own (global.tests.image.repository) needs the command that fetches the URL, e.g. [wget, -q, -O, /dev/null, -T, \"5\"]" }}{{ end }}
      command: {{ toJson (concat $t.command (list $url)) }}
      {{- else }}
      args: {{ toJson (list "probe" $url) }}
      {{- end }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      resources:
        {{- toYaml $t.resources | nindent 8 }}
{{- end }}
{{- end -}}


{{/* Labels of an app's test Pod: not the app's selector labels, so the app's Service, PDB and NetworkPolicy leave it alone. */}}
{{- define "common.testLabels" -}}
app.kubernetes.io/name: {{ printf "%s-test" (include "common.name" .) }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: clustersnek
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: test
clustersnek.io/test-of: {{ include "common.name" . }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The test Pod's own NetworkPolicy: egress to its app's pods on the app's port only (DNS comes from allow-dns). */}}
{{- define "common.testnetworkpolicy" -}}
{{- if .Values.global.tests.enabled }}
{{- $name := include "common.name" . -}}
{{- $svc := include "common.service" . | fromYaml -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ printf "%s-test" $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      clustersnek.io/test-of: {{ $name }}
  policyTypes: [Ingress, Egress]
  egress:
    - to:
        - podSelector:
            matchLabels:
              {{- include "common.selectorLabels" . | nindent 14 }}
      ports:
        - port: {{ $svc.port }}
          protocol: TCP
{{- end }}
{{- end -}}
