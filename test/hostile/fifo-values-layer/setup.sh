rm app/values-stg.yaml && mkfifo app/values-stg.yaml
