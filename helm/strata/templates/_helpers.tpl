{{/*
Names, labels and the sidecar definition shared by every template. The sidecar container and the
strategic-merge patches are defined once here: the patch ConfigMap renders them as JSON for the hook Jobs,
and test/chart/run.sh checks that argo-cd-values.yaml (mode values) holds the very same container.
*/}}

{{- define "strata.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "strata.fullname" -}}
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

{{/* Where every object goes: next to the repo-server, whose pod mounts the plugin ConfigMap. */}}
{{- define "strata.namespace" -}}
{{- default .Release.Namespace .Values.argocd.namespace -}}
{{- end -}}

{{- define "strata.selectorLabels" -}}
app.kubernetes.io/name: {{ include "strata.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "strata.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "strata.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: argocd
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "strata.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "strata.pluginConfigMapName" -}}
{{- printf "%s-plugin" (include "strata.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "strata.patchConfigMapName" -}}
{{- printf "%s-sidecar-patch" (include "strata.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The platform policy's ConfigMap (templates/platform-policy.yaml), mounted by the sidecar in every mode. */}}
{{- define "strata.platformPolicyConfigMapName" -}}
{{- printf "%s-platform-policy" (include "strata.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Where the sidecar sees the platform policy: a folder of its own. Not /etc/strata itself: the age keys mount
under /etc/strata too, and a Secret mounted inside a ConfigMap's folder (or the reverse) would be nested mounts
of two atomically updated volumes. Not by subPath: kubelet updates a ConfigMap's files in place only in a
folder mount, and strata reads the file anew for every render (docs/policy.md, "Where it applies").
*/}}
{{- define "strata.platformPolicyDir" -}}/etc/strata/platform{{- end -}}
{{- define "strata.platformPolicyFile" -}}{{ include "strata.platformPolicyDir" . }}/platform-policy.yaml{{- end -}}

{{/* The age keys' Secret: the one the user names, or the chart's (templates/age-keys.yaml). */}}
{{- define "strata.ageKeysSecretName" -}}
{{- if .Values.ageKeys.existingSecret -}}
{{- .Values.ageKeys.existingSecret -}}
{{- else -}}
{{- printf "%s-age-keys" (include "strata.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
"true" when the sidecar mounts age keys (ageKeys.enabled, or ageKeys.existingSecret), "" otherwise. Fails on
ageKeys.enabled with no key and no Secret: STRATA_AGE_KEYS_DIR would then refuse every project.
*/}}
{{- define "strata.ageKeysEnabled" -}}
{{- $a := .Values.ageKeys | default dict -}}
{{- if and $a.enabled (not $a.existingSecret) (not $a.projects) -}}
{{- fail "ageKeys.enabled is true but ageKeys.projects is empty and ageKeys.existingSecret is unset: no AppProject could decrypt anything (add <project>: <age identity> entries, or name a Secret with <project>.txt keys)" -}}
{{- end -}}
{{- if or $a.enabled $a.existingSecret -}}true{{- end -}}
{{- end -}}

{{/*
ageKeys.mountPath, refused when it is, contains or lies inside another mount of the sidecar: a Secret folder
nested in a ConfigMap folder (or in /tmp, or over argocd-cmp-server's folders) would hide files or be hidden.
*/}}
{{- define "strata.ageKeysMountPath" -}}
{{- $p := .Values.ageKeys.mountPath -}}
{{- range list (include "strata.platformPolicyDir" .) "/tmp" "/var/run/argocd" "/home/argocd/cmp-server/plugins" "/home/argocd/cmp-server/config/plugin.yaml" -}}
{{- if or (eq $p .) (hasPrefix (printf "%s/" $p) .) (hasPrefix (printf "%s/" .) $p) -}}
{{- fail (printf "ageKeys.mountPath %s overlaps the sidecar's mount %s; choose a folder of its own, such as /etc/strata/age-keys" $p .) -}}
{{- end -}}
{{- end -}}
{{- $p -}}
{{- end -}}

{{- define "strata.serviceAccountName" -}}
{{- default (printf "%s-patcher" (include "strata.fullname" .) | trunc 63 | trimSuffix "-") .Values.serviceAccount.name -}}
{{- end -}}

{{/*
The plugin configuration: the repository's plugin.yaml, shipped as files/plugin.yaml (kept identical by
test/chart/run.sh). plugin.discover.fileName (opt-in) adds a discover rule before `generate:`; it costs a
whole-repository stream per generate and per unnamed Application (docs/argocd.md, "Discovery").
*/}}
{{- define "strata.pluginYaml" -}}
{{- $file := required "files/plugin.yaml is missing from the chart" (.Files.Get "files/plugin.yaml") -}}
{{- with .Values.plugin.discover.fileName -}}
{{- if not (contains "\n  generate:\n" $file) }}{{ fail "files/plugin.yaml has no top-level spec.generate to put discover before" }}{{ end -}}
{{- replace "\n  generate:\n" (printf "\n  discover:\n    fileName: %s\n  generate:\n" (toJson .)) $file -}}
{{- else -}}
{{- $file -}}
{{- end -}}
{{- end -}}

{{/* Restarts the repo-server when the plugin changes: a subPath mount never sees ConfigMap updates. */}}
{{- define "strata.pluginChecksum" -}}
{{- include "strata.pluginYaml" . | sha256sum -}}
{{- end -}}

{{- define "strata.checksumAnnotation" -}}checksum/strata-plugin{{- end -}}

{{- define "strata.volumeName.plugin" -}}{{ .Values.sidecar.name }}-plugin{{- end -}}
{{- define "strata.volumeName.tmp" -}}{{ .Values.sidecar.name }}-tmp{{- end -}}
{{- define "strata.volumeName.platformPolicy" -}}{{ .Values.sidecar.name }}-platform-policy{{- end -}}
{{- define "strata.volumeName.ageKeys" -}}{{ .Values.sidecar.name }}-age-keys{{- end -}}

{{/*
The sidecar container, as the Argo CD CMP contract wants it: argocd-cmp-server (copied into var-files by the
repo-server's copyutil init container) as the command, UID 999 like the repo-server (to reach its socket),
plugin.yaml by subPath, and a dedicated /tmp (each call unpacks the whole repository there).
argocd-cmp-server runs under Debian's tini from strata's image: as the container's PID 1 it never reaps
processes it did not start (argo-cd issue 29349), so every warm renderer that exits (a generate starts it
detached) would stay a zombie until the pod restarts; tini reaps them and forwards SIGTERM. -s: tini is the
subreaper too when it is not PID 1 (shareProcessNamespace). docs/install.md, "Why tini".
*/}}
{{- define "strata.sidecarContainer" -}}
name: {{ .Values.sidecar.name }}
image: {{ include "strata.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
command: [/usr/bin/tini, -s, --, /var/run/argocd/argocd-cmp-server]
env:
  # UID 999 has no passwd entry in the image; only /tmp is writable.
  - name: HOME
    value: /tmp
  - name: STRATA_LOG_LEVEL
    value: {{ .Values.sidecar.logLevel | quote }}
{{- if .Values.platformPolicy }}
  - name: STRATA_PLATFORM_POLICY
    value: {{ include "strata.platformPolicyFile" . }}
{{- end }}
{{- if include "strata.ageKeysEnabled" . }}
  - name: STRATA_AGE_KEYS_DIR
    value: {{ include "strata.ageKeysMountPath" . }}
{{- end }}
{{- with .Values.sidecar.extraEnv }}
{{ toYaml . | indent 2 }}
{{- end }}
{{- with .Values.sidecar.resources }}
resources:
{{ toYaml . | indent 2 }}
{{- end }}
securityContext:
  runAsNonRoot: true
  runAsUser: 999
  readOnlyRootFilesystem: true
  allowPrivilegeEscalation: false
  capabilities:
    drop: [ALL]
  seccompProfile:
    type: RuntimeDefault
volumeMounts:
  - name: var-files
    mountPath: /var/run/argocd
  - name: plugins
    mountPath: /home/argocd/cmp-server/plugins
  - name: {{ include "strata.volumeName.plugin" . }}
    mountPath: /home/argocd/cmp-server/config/plugin.yaml
    subPath: plugin.yaml
  - name: {{ include "strata.volumeName.tmp" . }}
    mountPath: /tmp
{{- if .Values.platformPolicy }}
  - name: {{ include "strata.volumeName.platformPolicy" . }}
    mountPath: {{ include "strata.platformPolicyDir" . }}
    readOnly: true
{{- end }}
{{- if include "strata.ageKeysEnabled" . }}
  - name: {{ include "strata.volumeName.ageKeys" . }}
    mountPath: {{ include "strata.ageKeysMountPath" . }}
    readOnly: true
{{- end }}
{{- end -}}

{{/* The /tmp volume (the plugin volume differs per mode: this chart's ConfigMap, or argocd-cmp-cm). */}}
{{- define "strata.tmpVolume" -}}
name: {{ include "strata.volumeName.tmp" . }}
emptyDir:
{{- if .Values.sidecar.tmpSizeLimit }}
  sizeLimit: {{ .Values.sidecar.tmpSizeLimit }}
{{- else }} {}
{{- end }}
{{- end -}}

{{/*
Strategic-merge patch adding the sidecar: containers and volumes merge by name, so applying it twice
changes nothing. $setElementOrder asks for the sidecar right after the repo-server container (kubectl
logs/exec default to the first container); a merge puts a new item first when the order list does not name
its neighbours, so `strata sidecar patch` reads the Deployment and rewrites this list to all of its
containers in place with the sidecar after the repo-server, which it finds when containerName is not there
(src/kube/container-order.ts). This patch only adds: when the sidecar already runs, the Job also deletes the
STRATA_* env and feature mounts and volumes it no longer lists (src/kube/sidecar-prune.ts); a deletion rendered
here would stay as data in a container the merge creates.
*/}}
{{- define "strata.sidecarPatch" -}}
spec:
  template:
    metadata:
      annotations:
        {{ include "strata.checksumAnnotation" . }}: {{ include "strata.pluginChecksum" . | quote }}
    spec:
      $setElementOrder/containers:
        - name: {{ .Values.argocd.repoServer.containerName }}
        - name: {{ .Values.sidecar.name }}
      containers:
        - {{- include "strata.sidecarContainer" . | nindent 10 }}
      volumes:
        - name: {{ include "strata.volumeName.plugin" . }}
          configMap:
            name: {{ include "strata.pluginConfigMapName" . }}
            items:
              - key: plugin.yaml
                path: plugin.yaml
        - {{- include "strata.tmpVolume" . | nindent 10 }}
{{- if .Values.platformPolicy }}
        - name: {{ include "strata.volumeName.platformPolicy" . }}
          configMap:
            name: {{ include "strata.platformPolicyConfigMapName" . }}
{{- end }}
{{- if include "strata.ageKeysEnabled" . }}
        # 0444 (292), not 0400: kubelet writes a Secret's files as root (group = the pod's fsGroup, which the
        # repo-server pod does not set), so 0400 would be unreadable for UID 999. Only this container mounts
        # the volume, and every process in it runs as 999.
        - name: {{ include "strata.volumeName.ageKeys" . }}
          secret:
            secretName: {{ include "strata.ageKeysSecretName" . }}
            defaultMode: 292
{{- end }}
{{- end -}}

{{/*
Removes exactly what strata.sidecarPatch added, by name, and nothing else. The platform policy and age-key
volumes are named whether or not they are set now: an upgrade may have turned them off since they were added.
*/}}
{{- define "strata.sidecarUnpatch" -}}
spec:
  template:
    metadata:
      annotations:
        {{ include "strata.checksumAnnotation" . }}: null
    spec:
      containers:
        - name: {{ .Values.sidecar.name }}
          $patch: delete
      volumes:
        - name: {{ include "strata.volumeName.plugin" . }}
          $patch: delete
        - name: {{ include "strata.volumeName.tmp" . }}
          $patch: delete
        - name: {{ include "strata.volumeName.platformPolicy" . }}
          $patch: delete
        - name: {{ include "strata.volumeName.ageKeys" . }}
          $patch: delete
{{- end -}}

{{/*
Hook annotations of the patcher's ServiceAccount, Role and RoleBinding (rbac.yaml): every event a hook Job
runs in (job-patch.yaml, job-unpatch.yaml), created before the Job, gone once the event's hooks succeeded.
*/}}
{{- define "strata.rbacHookAnnotations" -}}
helm.sh/hook: post-install,post-upgrade,pre-delete
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end -}}

{{/* Restricted-profile security context of the hook Jobs. */}}
{{- define "strata.jobSecurityContext" -}}
runAsNonRoot: true
runAsUser: 999
runAsGroup: 999
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
