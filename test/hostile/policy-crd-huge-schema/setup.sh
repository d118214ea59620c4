#!/bin/sh
set -e
# A CRD whose schema has 21 objects of 500 properties (10,500 nodes, ~380 KB): under the size cap, over the node cap.
mkdir -p crds
{
  printf 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: widgets.example.com }\n'
  printf 'spec:\n  group: example.com\n  names: { kind: Widget, plural: widgets }\n  scope: Namespaced\n  versions:\n'
  printf '    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n'
  o=0
  while [ $o -lt 21 ]; do
    printf '            o%d:\n              type: object\n              properties:\n' $o
    seq 0 499 | sed 's/.*/                p&: {type: integer}/'
    o=$((o + 1))
  done
} > crds/w.yaml
