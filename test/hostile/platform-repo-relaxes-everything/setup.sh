# The platform policy lives outside the repository (a ConfigMap in the sidecar): a fixed absolute path, since
# case.json cannot name the temp dir. Written to a new name and renamed, so a concurrent run never reads half.
f=/tmp/strata-hostile-platform-policy.yaml
printf 'apiVersion: strata.dev/v1\nkind: Policy\nspec:\n  platform:\n    denyKinds: [ClusterRoleBinding, AppProject]\n    namespaces: destination\n  rules: { image-tag-pinned: error }\n' > "$f.$$"
mv -f "$f.$$" "$f"
