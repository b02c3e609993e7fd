{{/*
Name of the service: every object is named after it (not after the release),
so other services' NetworkPolicies can select its pods by name.
*/}}
{{- define "microservice.name" -}}
{{- .Values.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the release's objects; the service name. */}}
{{- define "microservice.fullname" -}}
{{- include "microservice.name" . -}}
{{- end -}}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "microservice.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select the service's pods. Stable across upgrades: never add to them. */}}
{{- define "microservice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "microservice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "microservice.labels" -}}
helm.sh/chart: {{ include "microservice.chart" . }}
{{ include "microservice.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: groundwork
groundwork.io/environment: {{ .Values.environment }}
{{- /* OpenCost allocates cost by this pod label (kube-state-metrics exports it): modules/platform/opencost.ts */}}
service: {{ include "microservice.name" . }}
{{- end -}}

{{/* ServiceAccount name. */}}
{{- define "microservice.serviceAccountName" -}}
{{- include "microservice.fullname" . -}}
{{- end -}}

{{/* Name of the preview Service (the new ReplicaSet before promotion). */}}
{{- define "microservice.previewName" -}}
{{- printf "%s-preview" (include "microservice.fullname" .) -}}
{{- end -}}

{{/* Name of the AnalysisTemplate. */}}
{{- define "microservice.analysisName" -}}
{{- printf "%s-slo" (include "microservice.fullname" .) -}}
{{- end -}}

{{/* The Rollout's scale target, shared by the HPA and the VPA. */}}
{{- define "microservice.scaleTargetRef" -}}
apiVersion: argoproj.io/v1alpha1
kind: Rollout
name: {{ include "microservice.fullname" . }}
{{- end -}}

{{/* Whether the pod needs its service account token (the Vault Agent logs in with it). */}}
{{- define "microservice.automountToken" -}}
{{- if or .Values.serviceAccount.automountToken .Values.vault.enabled -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{/*
Checks JSON Schema cannot express; rendering fails with one line naming the value.
*/}}
{{- define "microservice.validate" -}}
{{- $a := .Values.autoscaling -}}
{{- if and .Values.namespace (ne .Values.namespace .Release.Namespace) -}}
{{- fail (printf "namespace is %q but the release is installed in %q; install it in %q (other services' NetworkPolicies expect it there)" .Values.namespace .Release.Namespace .Values.namespace) -}}
{{- end -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) -}}
{{- fail (printf "autoscaling.minReplicas is %v; expected at most autoscaling.maxReplicas (%v)" $a.minReplicas $a.maxReplicas) -}}
{{- end -}}
{{- if ge (int .Values.podDisruptionBudget.maxUnavailable) (int $a.minReplicas) -}}
{{- fail (printf "podDisruptionBudget.maxUnavailable is %v; expected less than autoscaling.minReplicas (%v)" .Values.podDisruptionBudget.maxUnavailable $a.minReplicas) -}}
{{- end -}}
{{- if and .Values.vault.enabled (not .Values.vault.secrets) -}}
{{- fail "vault.enabled is true but vault.secrets is empty; expected at least one {name, path}" -}}
{{- end -}}
{{- if and (or .Values.networkPolicy.postgres .Values.networkPolicy.redis) (not .Values.networkPolicy.databaseCidrs) -}}
{{- fail "networkPolicy.postgres/redis is true but networkPolicy.databaseCidrs is empty; expected the VPC database subnet CIDRs" -}}
{{- end -}}
{{- if and (ne .Values.verticalAutoscaling.updateMode "Off") (has "memory" .Values.verticalAutoscaling.controlledResources) (gt (int $a.targetMemoryUtilizationPercentage) 0) -}}
{{- fail "verticalAutoscaling.updateMode sets memory requests while the HPA scales on memory; set autoscaling.targetMemoryUtilizationPercentage to 0 or leave memory out of verticalAutoscaling.controlledResources" -}}
{{- end -}}
{{- if .Values.ingress.enabled -}}
{{- if not .Values.ingress.wafAclArn -}}
{{- fail "ingress.enabled is true but ingress.wafAclArn is empty; expected the WAF web ACL ARN (public services are served only behind WAF)" -}}
{{- end -}}
{{- if not .Values.networkPolicy.loadBalancerCidrs -}}
{{- fail "ingress.enabled is true but networkPolicy.loadBalancerCidrs is empty; expected the VPC public subnet CIDRs (the ALB connects from them)" -}}
{{- end -}}
{{- if not (and .Values.ingress.jwtValidation.issuer .Values.ingress.jwtValidation.jwksEndpoint) -}}
{{- fail "ingress.enabled is true but ingress.jwtValidation.issuer or jwksEndpoint is empty; expected the OIDC issuer and its JWKS URL (the ALB rejects requests without a valid token)" -}}
{{- end -}}
{{- range $key, $value := .Values.ingress.responseHeaders -}}
{{- if contains "," $value -}}
{{- fail (printf "ingress.responseHeaders.%s is %q; expected no comma (the listener-attributes annotation is split on commas and the whole ALB would fail to reconcile)" $key $value) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (ne .Values.verticalAutoscaling.updateMode "Off") (has "cpu" .Values.verticalAutoscaling.controlledResources) -}}
{{- fail "verticalAutoscaling.updateMode sets cpu requests while the HPA scales on cpu; leave cpu out of verticalAutoscaling.controlledResources" -}}
{{- end -}}
{{- end -}}

{{/*
Vault Agent injector annotations: the agent logs in with the pod's service
account, renders each secret as JSON to /vault/secrets/<name> and renews its
lease (dynamic database credentials expire). No credential ever sits in a
value or a Kubernetes Secret.
https://developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations
*/}}
{{- define "microservice.vaultAnnotations" -}}
vault.hashicorp.com/agent-inject: "true"
vault.hashicorp.com/agent-init-first: "true"
vault.hashicorp.com/role: {{ .Values.vault.role | quote }}
vault.hashicorp.com/auth-path: {{ .Values.vault.authPath | quote }}
{{- with .Values.vault.caSecretName }}
vault.hashicorp.com/tls-secret: {{ . | quote }}
vault.hashicorp.com/ca-cert: "/vault/tls/ca.crt"
{{- end }}
vault.hashicorp.com/agent-requests-cpu: "25m"
vault.hashicorp.com/agent-limits-cpu: "100m"
vault.hashicorp.com/agent-requests-mem: "32Mi"
vault.hashicorp.com/agent-limits-mem: "64Mi"
{{- range .Values.vault.secrets }}
vault.hashicorp.com/agent-inject-secret-{{ .name }}: {{ .path | quote }}
vault.hashicorp.com/agent-inject-template-{{ .name }}: {{ printf "{{- with secret %q -}}{{ .Data | toJSON }}{{- end -}}" .path | quote }}
{{- end }}
{{- end -}}
