{{- define "labdeck.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "labdeck.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "labdeck.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "labdeck.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "labdeck.selectorLabels" -}}
app.kubernetes.io/name: {{ include "labdeck.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "labdeck.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "labdeck.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "labdeck.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "labdeck.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* labdeck.yaml: the user's config plus the metrics port the chart exposes. */}}
{{- define "labdeck.config" -}}
{{- $config := deepCopy .Values.config }}
{{- if .Values.metrics.enabled }}
{{- $server := get $config "server" | default dict }}
{{- $metrics := get $server "metrics" | default dict }}
{{- $_ := set $metrics "port" (int .Values.metrics.port) }}
{{- $_ := set $server "metrics" $metrics }}
{{- $_ := set $config "server" $server }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* Several replicas share state only through an external PostgreSQL. */}}
{{- define "labdeck.checkDatabase" -}}
{{- if and (not .Values.secrets.existingSecret) (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) }}
{{- fail "more than one replica (replicaCount > 1 or autoscaling) needs an external PostgreSQL: set secrets.existingSecret to a Secret with the database URL" }}
{{- end }}
{{- end }}
