{{/*
Names and labels. Every template name starts with "egressguard." because named
templates are global across a chart and its parents.
*/}}

{{- define "egressguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "egressguard.fullname" -}}
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

{{- define "egressguard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Immutable selector labels: name + instance only, never the version. */}}
{{- define "egressguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "egressguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Standard labels. Call with the root context; add component with egressguard.componentLabels. */}}
{{- define "egressguard.labels" -}}
helm.sh/chart: {{ include "egressguard.chart" . }}
{{ include "egressguard.selectorLabels" . }}
app.kubernetes.io/version: {{ include "egressguard.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: egressguard
{{- end -}}

{{/* Labels with a component: (dict "ctx" $ "component" "gateway") */}}
{{- define "egressguard.componentLabels" -}}
{{ include "egressguard.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "egressguard.componentSelectorLabels" -}}
{{ include "egressguard.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "egressguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "egressguard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "egressguard.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{- define "egressguard.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (include "egressguard.imageTag" .) -}}
{{- end -}}
{{- end -}}

{{- define "egressguard.initImage" -}}
{{- $img := .Values.sidecar.init.image -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) -}}
{{- end -}}
{{- end -}}

{{- define "egressguard.policyConfigMapName" -}}
{{- default (printf "%s-policy" (include "egressguard.fullname" .)) .Values.policy.existingConfigMap -}}
{{- end -}}

{{/* Labels the client pods of a gateway carry (NetworkPolicy peers). */}}
{{- define "egressguard.clientPodLabels" -}}
{{- if .Values.networkPolicy.clientPodLabels -}}
{{- toYaml .Values.networkPolicy.clientPodLabels -}}
{{- else -}}
egressguard.io/gateway: {{ include "egressguard.fullname" . }}
{{- end -}}
{{- end -}}

{{/* Label that marks agent pods carrying this release's sidecar (PodMonitor selector). */}}
{{- define "egressguard.sidecarPodLabels" -}}
egressguard.io/sidecar: {{ include "egressguard.fullname" . }}
{{- end -}}

{{/* Effective replica floor: drives the PDB. */}}
{{- define "egressguard.minReplicas" -}}
{{- if .Values.autoscaling.enabled -}}
{{- .Values.autoscaling.minReplicas -}}
{{- else -}}
{{- .Values.replicaCount -}}
{{- end -}}
{{- end -}}

{{/* The policy ConfigMap data, shared by the ConfigMap and its checksum. */}}
{{- define "egressguard.policyData" -}}
{{- if .Values.policy.files -}}
{{- toYaml .Values.policy.files -}}
{{- else -}}
{{- toYaml (dict "policy.yaml" (.Files.Get "files/default-policy.yaml")) -}}
{{- end -}}
{{- end -}}

{{/* Pod annotations: checksum/policy (when the chart owns the policy) + user annotations. */}}
{{- define "egressguard.podAnnotations" -}}
{{- if and .Values.policy.rollOnChange (not .Values.policy.existingConfigMap) }}
checksum/policy: {{ include "egressguard.policyData" . | sha256sum }}
{{- end }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Hardened container securityContext of the proxy. */}}
{{- define "egressguard.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/* The proxy's environment. Every flag has an EGRESSGUARD_<FLAG> variable. */}}
{{- define "egressguard.proxyEnv" -}}
{{- $gateway := eq .Values.mode "gateway" -}}
- name: EGRESSGUARD_LISTEN
  value: {{ printf "%s:%d" (ternary "0.0.0.0" "127.0.0.1" $gateway) (int .Values.ports.proxy) | quote }}
- name: EGRESSGUARD_METRICS
  value: {{ printf "0.0.0.0:%d" (int .Values.ports.metrics) | quote }}
- name: EGRESSGUARD_ADMIN
  value: {{ printf "%s:%d" (ternary "0.0.0.0" "127.0.0.1" (and $gateway .Values.admin.expose)) (int .Values.ports.admin) | quote }}
- name: EGRESSGUARD_MODE
  value: {{ .Values.proxy.mode | quote }}
- name: EGRESSGUARD_POLICY
  value: /etc/egressguard/policy
- name: EGRESSGUARD_CONFDIR
  value: /var/lib/egressguard
- name: EGRESSGUARD_CA_EXPORT_DIR
  value: /var/run/egressguard/ca
{{- if .Values.admin.tokenSecret.name }}
- name: EGRESSGUARD_ADMIN_TOKEN_FILE
  value: /etc/egressguard/admin/token
{{- end }}
- name: HOME
  value: /tmp
- name: PYTHONDONTWRITEBYTECODE
  value: "1"
- name: PYTHONUNBUFFERED
  value: "1"
{{- with .Values.proxy.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Volume mounts of the proxy container (never given to an agent). */}}
{{- define "egressguard.proxyVolumeMounts" -}}
- name: egressguard-confdir
  mountPath: /var/lib/egressguard
- name: egressguard-ca-export
  mountPath: /var/run/egressguard/ca
- name: egressguard-policy
  mountPath: /etc/egressguard/policy
  readOnly: true
- name: egressguard-tmp
  mountPath: /tmp
{{- if .Values.admin.tokenSecret.name }}
- name: egressguard-admin-token
  mountPath: /etc/egressguard/admin
  readOnly: true
{{- end }}
{{- end -}}

{{/* Copies a shared CA from ca.existingSecret into the writable confdir (mitmproxy
     writes its dhparam file there, so the confdir itself cannot be read-only). */}}
{{- define "egressguard.caCopyContainer" -}}
- name: egressguard-ca-copy
  image: {{ include "egressguard.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command:
    - python
    - -c
    - |
      import os, shutil
      src, dst = "/etc/egressguard/ca-secret", "/var/lib/egressguard"
      for name in sorted(os.listdir(src)):
          path = os.path.join(src, name)
          if os.path.isfile(path) and not name.startswith(".."):
              shutil.copyfile(path, os.path.join(dst, name))
              os.chmod(os.path.join(dst, name), 0o600)
  env:
    - name: PYTHONDONTWRITEBYTECODE
      value: "1"
  securityContext:
    {{- include "egressguard.containerSecurityContext" . | nindent 4 }}
  resources:
    requests:
      cpu: 10m
      memory: 32Mi
    limits:
      memory: 64Mi
  volumeMounts:
    - name: egressguard-confdir
      mountPath: /var/lib/egressguard
    - name: egressguard-ca-secret
      mountPath: /etc/egressguard/ca-secret
      readOnly: true
{{- end -}}

{{- define "egressguard.probes" -}}
startupProbe:
  httpGet:
    path: /readyz
    port: {{ .port }}
  periodSeconds: {{ .ctx.Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .ctx.Values.probes.startup.failureThreshold }}
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ .port }}
  periodSeconds: {{ .ctx.Values.probes.readiness.periodSeconds }}
  failureThreshold: {{ .ctx.Values.probes.readiness.failureThreshold }}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  periodSeconds: {{ .ctx.Values.probes.liveness.periodSeconds }}
  failureThreshold: {{ .ctx.Values.probes.liveness.failureThreshold }}
{{- end -}}
