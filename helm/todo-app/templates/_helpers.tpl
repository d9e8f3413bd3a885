{{/*
Names, labels and the small pieces every template shares.
*/}}

{{- define "todo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "todo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one role's objects: <fullname>-<role>. Call with (dict "root" $ "role" "api"). */}}
{{- define "todo.roleName" -}}
{{- printf "%s-%s" (include "todo.fullname" .root) .role | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "todo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "todo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: todo
{{- end -}}

{{/* Selector labels of one role. Call with (dict "root" $ "role" "api"). */}}
{{- define "todo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "todo.roleLabels" -}}
{{ include "todo.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{/* The backend image: repository:tag, or repository@digest when a digest is given. */}}
{{- define "todo.image" -}}
{{- $img := .image -}}
{{- $repo := ternary $img.repository (printf "%s/%s" $img.registry $img.repository) (empty $img.registry) -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) -}}
{{- end -}}
{{- end -}}

{{/* Roles that exist in this release, in a stable order. */}}
{{- define "todo.roles" -}}
{{- $out := list -}}
{{- range $name := list "api" "frontend" "audit" "recurrence" "reminders" "notifier" "realtime" -}}
{{- if (index $.Values.roles $name).enabled -}}{{- $out = append $out $name -}}{{- end -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{/* Roles with a Dapr sidecar (every backend role). */}}
{{- define "todo.daprRoles" -}}
{{- $out := list -}}
{{- range $name := list "api" "audit" "recurrence" "reminders" "notifier" "realtime" -}}
{{- if (index $.Values.roles $name).enabled -}}{{- $out = append $out $name -}}{{- end -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{- define "todo.appSecretName" -}}
{{- default (printf "%s-app" (include "todo.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "todo.daprStateSecretName" -}}
{{- default (printf "%s-dapr-state" (include "todo.fullname" .)) .Values.secrets.existingDaprStateSecret -}}
{{- end -}}

{{- define "todo.daprApiTokenSecretName" -}}
{{- default (printf "%s-dapr-api-token" (include "todo.fullname" .)) .Values.dapr.apiToken.existingSecret -}}
{{- end -}}

{{- define "todo.appApiTokenSecretName" -}}
{{- default (printf "%s-app-api-token" (include "todo.fullname" .)) .Values.dapr.appToken.existingSecret -}}
{{- end -}}

{{/* The Kafka user (and its Secret) of one Dapr app-id: <kafka.userPrefix><app-id>. */}}
{{- define "todo.kafkaUser" -}}
{{- printf "%s%s" .root.Values.kafka.userPrefix .appId -}}
{{- end -}}

{{/* The consumer-group prefix of the realtime replicas: their pods' names ({podName}). */}}
{{- define "todo.realtimeGroupPrefix" -}}
{{- printf "%s-" (include "todo.roleName" (dict "root" . "role" "realtime")) -}}
{{- end -}}

{{/* Pod security context shared by every pod (restricted Pod Security Standard). */}}
{{- define "todo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "todo.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
