#!/bin/sh
set -e
mkdir -p crds
{ printf 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n'; head -c 3000000 /dev/zero | tr '\\0' '#'; printf '\n'; } > crds/huge.yaml
