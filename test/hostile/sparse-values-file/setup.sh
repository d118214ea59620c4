truncate -s 1500M app/values-stg.yaml
