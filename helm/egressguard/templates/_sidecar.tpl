{{/*
Sidecar library: named templates that put egressguard inside an agent pod.

Call them with the egressguard chart's context: `.` inside this chart, or
`.Subcharts.egressguard` from a parent chart that depends on it. They render YAML
list items (indent them with nindent); a complete pod looks like

  spec:
    automountServiceAccountToken: false
    enableServiceLinks: false
    shareProcessNamespace: false
    initContainers:
      {{- include "egressguard.initContainer" $eg | nindent 6 }}   # root, NET_ADMIN: firewall
      {{- include "egressguard.sidecar" $eg | nindent 6 }}         # native sidecar proxy
    containers:
      - name: agent
        securityContext: {{- include "egressguard.agentSecurityContext" $eg | nindent 10 }}
        env: {{- include "egressguard.agentEnv" $eg | nindent 10 }}
        volumeMounts: {{- include "egressguard.agentVolumeMounts" $eg | nindent 10 }}
    volumes:
      {{- include "egressguard.volumes" $eg | nindent 6 }}

See helm/examples/agent-sidecar for a worked example.
*/}}

{{/* The iptables/ip6tables rules of the init container, in the order that matters:
     1 the proxy's UID may go anywhere; 2 nobody else reaches the admin port on
     loopback; 3 other loopback traffic (the agent -> proxy) is fine; 4 replies to
     accepted connections; 5 everything else (DNS, UDP/QUIC, direct TCP) is rejected. */}}
{{- define "egressguard.firewallScript" -}}
{{- $uid := int .Values.containerSecurityContext.runAsUser -}}
{{- $admin := int .Values.ports.admin -}}
{{- $tools := list "iptables" -}}
{{- if .Values.sidecar.init.ipv6 }}{{ $tools = append $tools "ip6tables" }}{{ end -}}
set -eu
{{- range $tools }}
{{- $ipt := printf "%s-%s" . $.Values.sidecar.init.backend }}
{{ $ipt }} -w -N EGRESSGUARD_OUTPUT 2>/dev/null || {{ $ipt }} -w -F EGRESSGUARD_OUTPUT
{{ $ipt }} -w -A EGRESSGUARD_OUTPUT -m owner --uid-owner {{ $uid }} -j ACCEPT
{{ $ipt }} -w -A EGRESSGUARD_OUTPUT -o lo -p tcp --dport {{ $admin }} -j REJECT --reject-with tcp-reset
{{ $ipt }} -w -A EGRESSGUARD_OUTPUT -o lo -j ACCEPT
{{ $ipt }} -w -A EGRESSGUARD_OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
{{ $ipt }} -w -A EGRESSGUARD_OUTPUT -j REJECT
{{ $ipt }} -w -C OUTPUT -j EGRESSGUARD_OUTPUT 2>/dev/null || {{ $ipt }} -w -I OUTPUT 1 -j EGRESSGUARD_OUTPUT
{{- end }}
echo "egressguard: only UID {{ $uid }} may leave this pod"
{{- end -}}

{{/* Root init container that installs the owner-match firewall. */}}
{{- define "egressguard.initContainer" -}}
{{- include "egressguard.initContainerBody" . | trim -}}
{{- end -}}

{{- define "egressguard.initContainerBody" -}}
{{- if .Values.sidecar.init.enabled }}
- name: egressguard-init
  image: {{ include "egressguard.initImage" . | quote }}
  imagePullPolicy: {{ .Values.sidecar.init.image.pullPolicy }}
  command: ["/bin/sh", "-c"]
  args:
    - |
      {{- include "egressguard.firewallScript" . | nindent 6 }}
  securityContext:
    runAsNonRoot: false
    runAsUser: 0
    runAsGroup: 0
    allowPrivilegeEscalation: false
    privileged: false
    readOnlyRootFilesystem: true
    capabilities:
      drop: [ALL]
      add: [NET_ADMIN, NET_RAW]
    seccompProfile:
      type: RuntimeDefault
  {{- with .Values.sidecar.init.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- if .Values.ca.existingSecret }}
{{ include "egressguard.caCopyContainer" . }}
{{- end }}
{{- end -}}

{{/* The proxy as a native sidecar (an init container with restartPolicy: Always): its
     startupProbe holds the agent containers until the proxy and the CA are ready. */}}
{{- define "egressguard.sidecar" -}}
- name: egressguard
  image: {{ include "egressguard.image" . | quote }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  restartPolicy: Always
  args:
    - run
    {{- with .Values.proxy.extraArgs }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  env:
    {{- include "egressguard.proxyEnv" . | nindent 4 }}
  ports:
    - name: eg-metrics
      containerPort: {{ .Values.ports.metrics }}
      protocol: TCP
  {{- include "egressguard.probes" (dict "ctx" . "port" "eg-metrics") | nindent 2 }}
  securityContext:
    {{- include "egressguard.containerSecurityContext" . | nindent 4 }}
  {{- with .Values.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  volumeMounts:
    {{- include "egressguard.proxyVolumeMounts" . | nindent 4 }}
{{- end -}}

{{/* Volumes for the pod. Only the CA export is ever mounted in the agent. */}}
{{- define "egressguard.volumes" -}}
- name: egressguard-confdir
  emptyDir:
    medium: Memory
    sizeLimit: 16Mi
- name: egressguard-ca-export
  emptyDir:
    sizeLimit: 8Mi
- name: egressguard-tmp
  emptyDir:
    sizeLimit: 64Mi
- name: egressguard-policy
  configMap:
    name: {{ include "egressguard.policyConfigMapName" . }}
{{- if .Values.ca.existingSecret }}
- name: egressguard-ca-secret
  secret:
    secretName: {{ .Values.ca.existingSecret }}
    defaultMode: 0400
{{- end }}
{{- if .Values.admin.tokenSecret.name }}
- name: egressguard-admin-token
  secret:
    secretName: {{ .Values.admin.tokenSecret.name }}
    defaultMode: 0400
    items:
      - key: {{ .Values.admin.tokenSecret.key }}
        path: token
{{- end }}
{{- end -}}

{{/* The agent's only egressguard mount: the public CA files, read-only. */}}
{{- define "egressguard.agentVolumeMounts" -}}
- name: egressguard-ca-export
  mountPath: {{ .Values.sidecar.caMountPath }}
  readOnly: true
{{- end -}}

{{/* Proxy and CA variables for the agent (DEPLOY.md §7). */}}
{{- define "egressguard.agentEnv" -}}
{{- include "egressguard.agentEnvBody" . | trim -}}
{{- end -}}

{{- define "egressguard.agentEnvBody" -}}
{{- $proxy := printf "http://127.0.0.1:%d" (int .Values.ports.proxy) -}}
{{- $bundle := printf "%s/ca-bundle.pem" .Values.sidecar.caMountPath -}}
{{- $ca := printf "%s/egressguard-ca.pem" .Values.sidecar.caMountPath -}}
{{- range list "HTTP_PROXY" "HTTPS_PROXY" "ALL_PROXY" "GRPC_PROXY" }}
- name: {{ . }}
  value: {{ $proxy | quote }}
- name: {{ lower . }}
  value: {{ $proxy | quote }}
{{- end }}
- name: NO_PROXY
  value: "localhost,127.0.0.1,::1"
- name: no_proxy
  value: "localhost,127.0.0.1,::1"
- name: NODE_USE_ENV_PROXY
  value: "1"
{{- range list "SSL_CERT_FILE" "CURL_CA_BUNDLE" "REQUESTS_CA_BUNDLE" "PIP_CERT" "GIT_SSL_CAINFO" "AWS_CA_BUNDLE" }}
- name: {{ . }}
  value: {{ $bundle | quote }}
{{- end }}
{{- range list "NODE_EXTRA_CA_CERTS" "DENO_CERT" }}
- name: {{ . }}
  value: {{ $ca | quote }}
{{- end }}
{{- end -}}

{{/* securityContext for agent containers: no capabilities (so no setuid to the proxy's
     UID), never the proxy's UID, read-only root. */}}
{{- define "egressguard.agentSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.sidecar.agentUID }}
runAsGroup: {{ .Values.sidecar.agentUID }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Pod-level settings of an agent pod (merge into its spec). */}}
{{- define "egressguard.agentPodSpec" -}}
automountServiceAccountToken: false
enableServiceLinks: false
shareProcessNamespace: false
securityContext:
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Labels and annotations an agent pod carries (PodMonitor selector, policy checksum). */}}
{{- define "egressguard.agentPodLabels" -}}
{{ include "egressguard.sidecarPodLabels" . }}
{{- end -}}

{{- define "egressguard.agentPodAnnotations" -}}
{{- include "egressguard.podAnnotations" . | trim -}}
{{- end -}}
