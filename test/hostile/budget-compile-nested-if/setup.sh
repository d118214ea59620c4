# templates/t.yaml.hbs: 10,000 nested {{#if true}} on line 7 (generated: kept out of git).
mkdir -p templates
{ printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: "\n'; awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{{#if true}}"; printf "x"; for (i = 0; i < 10000; i++) printf "{{/if}}"; printf "\"\n" }'; } > templates/t.yaml.hbs
