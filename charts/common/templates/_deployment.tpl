{{- define "common.deployment" -}}
{{- $name := include "common.name" . -}}
{{- $svc := include "common.service" . | fromYaml -}}
{{- $g := .Values.global -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" . | nindent 4 }}
spec:
  replicas: {{ include "common.replicas" . }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "common.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- include "common.labels" . | nindent 8 }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: {{ .Values.rbac.enabled }}
      enableServiceLinks: false
      hostNetwork: {{ .Values.hostNetwork }}
      hostPID: false
      hostIPC: false
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ $name }}
          image: {{ include "common.image" . }}
          imagePullPolicy: IfNotPresent
          {{- if not $g.localRuntime }}
          ports:
            - name: http
              containerPort: {{ $svc.port }}
              protocol: TCP
          {{- end }}
          {{- /* The service contract: src/services/common/ServiceContract.cs names these variables and the services read exactly
                 them (docs/charts.md); tests/ClusterSnek.Charts.Tests/ServiceContractTests.cs runs the services with this env. */}}
          env:
            - name: ASPNETCORE_HTTP_PORTS
              value: {{ $svc.port | quote }}
            - name: CLUSTERSNEK_SERVICE
              value: {{ $name | quote }}
            {{- if $g.localRuntime }}
            {{- /* Host networking shares the machine's interfaces: listen on loopback only (the Deploy probes call 127.0.0.1). */}}
            - name: CLUSTERSNEK_LISTEN_ADDRESS
              value: "127.0.0.1"
            {{- end }}
            {{- with $svc.dependsOn }}
            {{- if gt (len .) 1 }}
            {{- $why := "a service gets one downstream URL (CLUSTERSNEK_DOWNSTREAM_URL, docs/charts.md)" }}
            {{- fail (printf "global.services.%s.dependsOn lists %d services; %s" $name (len .) $why) }}
            {{- end }}
            {{- $dep := first . }}
            {{- $target := index $g.services $dep | default dict }}
            {{- if not $target.port }}
            {{- fail (printf "global.services.%s.dependsOn: '%s' has no port in global.services" $name $dep) }}
            {{- end }}
            - name: CLUSTERSNEK_DOWNSTREAM_URL
              value: {{ printf "http://%s:%v" (ternary "127.0.0.1" $dep $g.localRuntime) $target.port | quote }}
            {{- end }}
            {{- range $k, $v := .Values.env }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
          {{- if .Values.existingSecret }}
          envFrom:
            - secretRef:
                name: {{ .Values.existingSecret }}
          {{- end }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          {{- with .Values.probes }}
          {{- if .startup.enabled }}
          startupProbe:
            httpGet: { path: {{ $svc.health | default "/healthz" }}, port: {{ $svc.port }} }
            periodSeconds: {{ .startup.periodSeconds }}
            failureThreshold: {{ .startup.failureThreshold }}
          {{- end }}
          {{- if .liveness.enabled }}
          livenessProbe:
            httpGet: { path: {{ $svc.health | default "/healthz" }}, port: {{ $svc.port }} }
            periodSeconds: {{ .liveness.periodSeconds }}
            failureThreshold: {{ .liveness.failureThreshold }}
          {{- end }}
          {{- if .readiness.enabled }}
          readinessProbe:
            httpGet: { path: {{ $svc.ready | default "/readyz" }}, port: {{ $svc.port }} }
            periodSeconds: {{ .readiness.periodSeconds }}
            failureThreshold: {{ .readiness.failureThreshold }}
          {{- end }}
          {{- end }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}
