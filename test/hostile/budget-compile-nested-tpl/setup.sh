# values.yaml: a text of 10,000 nested {{#if true}} for tpl (generated: kept out of git).
{ printf 't: "'; awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{{#if true}}"; printf "x"; for (i = 0; i < 10000; i++) printf "{{/if}}" }'; printf '"\n'; } > values.yaml
