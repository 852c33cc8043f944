{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "vigil.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release name plus chart name unless the release already contains it. */}}
{{- define "vigil.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "vigil.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vigil.labels" -}}
helm.sh/chart: {{ include "vigil.chart" . }}
{{ include "vigil.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "vigil.image" -}}
{{- printf "%s:%s" .Values.vigil.image.repository (default .Chart.AppVersion .Values.vigil.image.tag) }}
{{- end }}

{{/* Vigil's reserved path prefix, always with a trailing slash (admin.prefix). */}}
{{- define "vigil.adminPrefix" -}}
{{- $admin := .Values.vigil.config.admin | default dict }}
{{- $prefix := $admin.prefix | default "/sidecar/" }}
{{- printf "%s/" (trimSuffix "/" $prefix) }}
{{- end }}

{{/* Name of the Secret holding the admin token; empty when there is none. */}}
{{- define "vigil.adminTokenSecret" -}}
{{- if .Values.vigil.adminToken.existingSecret }}
{{- .Values.vigil.adminToken.existingSecret }}
{{- else if or .Values.vigil.adminToken.value .Values.vigil.adminToken.generate }}
{{- printf "%s-admin" (include "vigil.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The vigil.yaml the sidecar reads. The chart owns listen.* and admin.port (the
probes and the Service depend on them); upstream and memory endpoints default
from app.*; everything else comes from vigil.config, which wins.
*/}}
{{- define "vigil.config" -}}
{{- $loopback := printf "http://127.0.0.1:%d" (int .Values.app.port) }}
{{- $defaults := dict
  "upstream" (dict "url" $loopback "health" (dict "path" .Values.app.healthPath))
  "memory" (dict "poll" (dict "url" (printf "%s%s" $loopback .Values.app.memoryPath)))
  "keepalive" (dict "target" (printf "%s%s" $loopback .Values.app.healthPath))
  "app" (dict "name" (include "vigil.fullname" .)) }}
{{- if .Values.recycle.enabled }}
{{- $_ := set $defaults "recycle" (dict "enabled" true) }}
{{- end }}
{{- $config := mustMergeOverwrite $defaults (deepCopy .Values.vigil.config) }}
{{- $_ := set $config "listen" (dict "host" "0.0.0.0" "port" (int .Values.vigil.port)) }}
{{- if gt (int .Values.vigil.adminPort) 0 }}
{{- $admin := $config.admin | default dict }}
{{- $_ := set $admin "port" (int .Values.vigil.adminPort) }}
{{- $_ := set $config "admin" $admin }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* A probe on one of Vigil's health paths, on the proxy port. */}}
{{- define "vigil.probe" -}}
httpGet:
  path: {{ .path }}
  port: http
{{ toYaml .settings }}
{{- end }}

{{/* The Vigil container; the caller adds restartPolicy for a native sidecar. */}}
{{- define "vigil.container" -}}
name: {{ .Values.vigil.name }}
image: {{ include "vigil.image" . | quote }}
imagePullPolicy: {{ .Values.vigil.image.pullPolicy }}
args:
  - --config
  - /config/vigil.yaml
  {{- with .Values.vigil.extraArgs }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
ports:
  - name: http
    containerPort: {{ .Values.vigil.port }}
    protocol: TCP
  {{- if gt (int .Values.vigil.adminPort) 0 }}
  - name: admin
    containerPort: {{ .Values.vigil.adminPort }}
    protocol: TCP
  {{- end }}
env:
  - name: VIGIL_APP_INSTANCE
    valueFrom:
      fieldRef:
        fieldPath: metadata.name
  {{- with include "vigil.adminTokenSecret" . }}
  - name: VIGIL_ADMIN_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ . }}
        key: {{ $.Values.vigil.adminToken.secretKey }}
  {{- end }}
  {{- if and .Values.recycle.enabled (dig "limits" "memory" "" .Values.app.resources) }}
  # The app container's memory limit in bytes: what the OOM killer compares against.
  - name: VIGIL_MEMORY_LIMIT
    valueFrom:
      resourceFieldRef:
        containerName: {{ .Values.app.name }}
        resource: limits.memory
  {{- end }}
  {{- with .Values.vigil.env }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- $prefix := include "vigil.adminPrefix" . }}
startupProbe:
  {{- include "vigil.probe" (dict "path" (printf "%shealth/live" $prefix) "settings" .Values.vigil.probes.startup) | nindent 2 }}
livenessProbe:
  {{- include "vigil.probe" (dict "path" (printf "%shealth/live" $prefix) "settings" .Values.vigil.probes.liveness) | nindent 2 }}
readinessProbe:
  {{- include "vigil.probe" (dict "path" (printf "%shealth/ready" $prefix) "settings" .Values.vigil.probes.readiness) | nindent 2 }}
{{- if gt (int .Values.vigil.preStopSleepSeconds) 0 }}
lifecycle:
  preStop:
    exec:
      command: ["sleep", "{{ .Values.vigil.preStopSleepSeconds }}"]
{{- end }}
resources:
  {{- toYaml .Values.vigil.resources | nindent 2 }}
securityContext:
  {{- toYaml .Values.vigil.securityContext | nindent 2 }}
volumeMounts:
  - name: vigil-config
    mountPath: /config
    readOnly: true
  - name: vigil-tmp
    mountPath: /tmp
{{- end }}

{{/*
The app container's livenessProbe with recycling on: Vigil's app-live on Vigil's port (the probe
reaches the pod's IP, where Vigil listens; the named port "http" belongs to the Vigil container).
*/}}
{{- define "vigil.appLiveProbe" -}}
httpGet:
  path: {{ include "vigil.adminPrefix" . }}health/app-live
  port: {{ .Values.vigil.port }}
{{ toYaml .Values.recycle.livenessProbe }}
{{- end }}

{{/* Vigil's app.name (vigil.config.app.name, else the full name): the app_name label of its series. */}}
{{- define "vigil.appName" -}}
{{- $app := .Values.vigil.config.app | default dict }}
{{- $app.name | default (include "vigil.fullname" .) }}
{{- end }}

{{/* The label selector of this release's Vigil series, for the PrometheusRule. */}}
{{- define "vigil.seriesSelector" -}}
namespace="{{ .Release.Namespace }}",app_name="{{ include "vigil.appName" . }}"
{{- end }}
