rm app/values-stg.yaml && ln -s values-stg.yaml app/values-stg.yaml
