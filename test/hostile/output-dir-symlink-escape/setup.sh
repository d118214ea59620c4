mkdir -p out escape && ln -s ../escape out/stg
