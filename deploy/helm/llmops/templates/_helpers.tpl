{{/* Names and labels (Helm's conventions). */}}
{{- define "llmops.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "llmops.fullname" -}}
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

{{- define "llmops.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object; call with (dict "root" $ "component" "web"). */}}
{{- define "llmops.labels" -}}
helm.sh/chart: {{ include "llmops.chart" .root }}
{{ include "llmops.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: llmops
{{- end }}

{{- define "llmops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "llmops.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{- define "llmops.componentName" -}}
{{- printf "%s-%s" (include "llmops.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "llmops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "llmops.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "llmops.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The Secret every process reads with envFrom: the chart's or the operator's own. */}}
{{- define "llmops.secretName" -}}
{{- default (include "llmops.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "llmops.configMapName" -}}
{{- printf "%s-env" (include "llmops.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "llmops.routerSecretName" -}}
{{- default (printf "%s-router" (include "llmops.fullname" .)) .Values.llmRouter.existingSecret }}
{{- end }}

{{- define "llmops.routerEnabled" -}}
{{- if or .Values.llmRouter.config .Values.llmRouter.existingSecret }}true{{ end }}
{{- end }}

{{/* Connection URLs (passwords percent-encoded). They only ever go into the Secret. */}}
{{- define "llmops.databaseUrl" -}}
{{- with .Values.externalDatabase }}
{{- if .url }}
{{- .url }}
{{- else }}
{{- $auth := .user | urlquery }}
{{- if .password }}{{ $auth = printf "%s:%s" $auth (.password | urlquery) }}{{ end }}
{{- printf "postgresql+psycopg://%s@%s:%v/%s" $auth .host .port .database }}
{{- if .sslmode }}?sslmode={{ .sslmode }}{{ end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Call with (dict "root" $ "db" 0). */}}
{{- define "llmops.redisUrl" -}}
{{- with .root.Values.externalRedis }}
{{- if .url }}
{{- printf "%s/%v" (.url | trimSuffix "/") $.db }}
{{- else }}
{{- $auth := "" }}
{{- if .password }}{{ $auth = printf "%s:%s@" (.username | urlquery) (.password | urlquery) }}{{ end }}
{{- printf "%s://%s%s:%v/%v" (ternary "rediss" "redis" .tls) $auth .host .port $.db }}
{{- end }}
{{- end }}
{{- end }}

{{/* A new pod template when a setting changes (envFrom is read only at container start). */}}
{{- define "llmops.configChecksum" -}}
{{- $secretInputs := pick .Values "existingSecret" "secretKey" "encryptionKey" "secretEnv" "externalDatabase" "externalRedis" "externalMilvus" "externalS3" "llmRouter" }}
{{- printf "%s\n%s" (include (print .Template.BasePath "/configmap.yaml") .) (toJson $secretInputs) | sha256sum }}
{{- end }}

{{/* Pod metadata; call with (dict "root" $ "component" "web"). */}}
{{- define "llmops.podMetadata" -}}
metadata:
  labels:
    {{- include "llmops.labels" . | nindent 4 }}
    {{- with .root.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include "llmops.configChecksum" .root }}
    {{- with .root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/*
Pod-level fields shared by every role; call with (dict "root" $ "values" .Values.web
"data" true). "data": mount the shared volume at /data (else an emptyDir there).
*/}}
{{- define "llmops.podCommon" -}}
{{- $root := .root -}}
serviceAccountName: {{ include "llmops.serviceAccountName" $root }}
automountServiceAccountToken: false  # the app never calls the Kubernetes API
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- mergeOverwrite (deepCopy $root.Values.podSecurityContext) (.values.podSecurityContext | default dict) | toYaml | nindent 2 }}
{{- with mergeOverwrite (deepCopy $root.Values.nodeSelector) (.values.nodeSelector | default dict) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (.values.tolerations | default $root.Values.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (.values.affinity | default $root.Values.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir: {}
  - name: data
    {{- if and .data $root.Values.persistence.enabled }}
    persistentVolumeClaim:
      claimName: {{ $root.Values.persistence.existingClaim | default (include "llmops.componentName" (dict "root" $root "component" "data")) }}
    {{- else }}
    emptyDir: {}
    {{- end }}
  {{- if include "llmops.routerEnabled" $root }}
  - name: llm-router
    secret:
      secretName: {{ include "llmops.routerSecretName" $root }}
      items:
        - key: {{ $root.Values.llmRouter.existingSecretKey }}
          path: router.yaml
  {{- end }}
  {{- with .extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Container fields shared by every role; call with (dict "root" $ "values" .Values.web). */}}
{{- define "llmops.containerCommon" -}}
{{- $root := .root -}}
image: {{ include "llmops.image" $root }}
imagePullPolicy: {{ $root.Values.image.pullPolicy }}
securityContext:
  {{- mergeOverwrite (deepCopy $root.Values.securityContext) (.values.securityContext | default dict) | toYaml | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "llmops.configMapName" $root }}
  - secretRef:
      name: {{ include "llmops.secretName" $root }}
  {{- with $root.Values.extraEnvFrom }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
resources:
  {{- toYaml .values.resources | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  - name: data
    mountPath: /data
  {{- if include "llmops.routerEnabled" $root }}
  - name: llm-router
    mountPath: /etc/llmops/router
    readOnly: true
  {{- end }}
  {{- with .extraMounts }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Plain env entries: the role's own, then the operator's extraEnv. Never secrets. */}}
{{- define "llmops.env" -}}
{{- if or .env .root.Values.extraEnv -}}
env:
  {{- range $name, $value := .env }}
  - name: {{ $name }}
    value: {{ $value | toString | quote }}
  {{- end }}
  {{- with .root.Values.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
{{- end }}
