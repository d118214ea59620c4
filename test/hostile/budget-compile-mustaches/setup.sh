# templates/t.yaml.hbs: 15,000 lines of 10 mustaches each, 1.8 MB (generated: kept out of git).
mkdir -p templates
{ printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n'; awk 'BEGIN { for (i = 0; i < 15000; i++) { printf "  k%d: \"", i; for (j = 0; j < 10; j++) printf "{{values.a}}"; printf "\"\n" } }'; } > templates/t.yaml.hbs
