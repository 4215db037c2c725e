{{/* Names are cut to 63 characters, the DNS label limit of Kubernetes. */}}
{{- define "django-app.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A name derived from the full name: <fullname>-<suffix>, within 63. */}}
{{- define "django-app.name" -}}
{{- printf "%s-%s" (include "django-app.fullname" .root | trunc (int (sub 62 (len .suffix))) | trimSuffix "-") .suffix -}}
{{- end -}}

{{- define "django-app.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* Each workload selects its own component (web, worker, beat, redis, migrate), so no Deployment's selector or the Service's matches another's pods. */}}
{{- define "django-app.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The image by digest when the pipeline gives one: a tag can move. */}}
{{- define "django-app.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{- define "django-app.redisURL" -}}
{{- printf "redis://%s:6379/0" (include "django-app.name" (dict "root" . "suffix" "redis")) -}}
{{- end -}}

{{/* What every container of the app's image gets: the host settings,
     the in-cluster Redis URL, then the ConfigMap of env, the existing
     Secret and any envFrom sources the values add. The migration hook
     runs before the release's ConfigMap exists on a first install, so it
     gets env inline instead (inline: true). */}}
{{- define "django-app.env" -}}
{{- $v := .root.Values -}}
- name: DJANGO_ALLOWED_HOSTS
  value: {{ $v.ingress.host | quote }}
- name: DJANGO_CSRF_TRUSTED_ORIGINS
  value: {{ printf "%s://%s" (ternary "https" "http" ($v.ingress.tls | default false)) $v.ingress.host | quote }}
{{- if $v.redis.enabled }}
{{- range $v.redis.urlVariables }}
- name: {{ . }}
  value: {{ include "django-app.redisURL" $.root | quote }}
{{- end }}
{{- end }}
{{- if .inline }}
{{- range $name, $value := $v.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "django-app.envFrom" -}}
{{- $v := .root.Values -}}
{{- if and $v.env (not .inline) }}
- configMapRef:
    name: {{ include "django-app.name" (dict "root" .root "suffix" "env") }}
{{- end }}
- secretRef:
    name: {{ required "existingSecret: the name of a Secret with DJANGO_SECRET_KEY and DATABASE_URL" $v.existingSecret }}
{{- with $v.envFrom }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The image, environment and security of a container of the app's
     image (web, init, worker, beat, migrate): (dict "root" . "inline" bool). */}}
{{- define "django-app.appContainer" -}}
{{- $v := .root.Values -}}
image: {{ include "django-app.image" .root | quote }}
imagePullPolicy: {{ $v.image.pullPolicy }}
env:
  {{- include "django-app.env" . | trim | nindent 2 }}
envFrom:
  {{- include "django-app.envFrom" . | trim | nindent 2 }}
securityContext:
  {{- toYaml $v.securityContext | nindent 2 }}
{{- end -}}

{{/* Pod-level fields every pod of the app's image shares. */}}
{{- define "django-app.podSpec" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/* Rolls the pods when the ConfigMap of env changes. */}}
{{- define "django-app.podAnnotations" -}}
checksum/env: {{ toJson .Values.env | sha256sum }}
{{- end -}}

{{/* A probe of the web container: an HTTP GET of probes.path with the
     Host header the app accepts (the ingress host, in ALLOWED_HOSTS; the
     pod's IP is not, and Django answers it 400 DisallowedHost), and
     X-Forwarded-Proto: https behind a TLS ingress, as the ingress sends;
     or a TCP connection for apps without a health view. */}}
{{- define "django-app.probe" -}}
{{- $p := .root.Values.probes -}}
{{- if eq $p.type "http" }}
httpGet:
  path: {{ $p.path | quote }}
  port: http
  httpHeaders:
    - name: Host
      value: {{ $p.host | default .root.Values.ingress.host | quote }}
    {{- if .root.Values.ingress.tls }}
    - name: X-Forwarded-Proto
      value: https
    {{- end }}
    {{- with $p.httpHeaders }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- else if eq $p.type "tcp" }}
tcpSocket:
  port: http
{{- else }}
{{- fail (printf "probes.type must be http, tcp or none, not %q" $p.type) }}
{{- end }}
{{ toYaml .timing }}
{{- end -}}
