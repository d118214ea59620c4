# values.yaml: a 3 MB constraint, 1,000 `1 - 2` ranges after 3,000,000 commas (generated: kept out of git).
{ printf 'c: "'; head -c 3000000 /dev/zero | tr '\0' ','; i=0; while [ $i -lt 1000 ]; do printf ' 1 - 2'; i=$((i+1)); done; printf '"\n'; } > values.yaml
