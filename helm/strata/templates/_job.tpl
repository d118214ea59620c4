{{/*
A hook Job running `strata sidecar <action>` with the strata image. Called with
(dict "root" $ "action" "patch|unpatch" "hook" "..." "extraArgs" (list ...)).
*/}}
{{- define "strata.hookJob" -}}
{{- $ := .root -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ printf "%s-%s" (include "strata.fullname" $) .action | trunc 63 | trimSuffix "-" }}
  namespace: {{ include "strata.namespace" $ }}
  labels:
    {{- include "strata.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ .action }}
  annotations:
    helm.sh/hook: {{ .hook }}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ $.Values.patchJob.backoffLimit }}
  activeDeadlineSeconds: {{ $.Values.patchJob.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "strata.selectorLabels" $ | nindent 8 }}
        app.kubernetes.io/component: {{ .action }}
        {{- with $.Values.patchJob.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $.Values.patchJob.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "strata.serviceAccountName" $ }}
      automountServiceAccountToken: true
      restartPolicy: Never
      {{- with $.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {{ .action }}
          image: {{ include "strata.image" $ }}
          imagePullPolicy: {{ $.Values.image.pullPolicy }}
          command: [strata]
          args:
            - sidecar
            - {{ .action }}
            - --patch-file
            - /etc/strata/patch/{{ .action }}.json
            - --namespace
            - {{ include "strata.namespace" $ }}
            - --deployment
            - {{ $.Values.argocd.repoServer.deploymentName }}
            {{- range .extraArgs }}
            - {{ . }}
            {{- end }}
          env:
            - name: HOME
              value: /tmp
          {{- with $.Values.patchJob.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- include "strata.jobSecurityContext" $ | nindent 12 }}
          volumeMounts:
            - name: patch
              mountPath: /etc/strata/patch
              readOnly: true
      volumes:
        - name: patch
          configMap:
            name: {{ include "strata.patchConfigMapName" $ }}
      {{- with $.Values.patchJob.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $.Values.patchJob.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $.Values.patchJob.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
