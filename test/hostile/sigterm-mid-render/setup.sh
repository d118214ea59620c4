python3 -c "print(\"name: slow\\nitems:\"); [print(\"  - %d\" % i) for i in range(4000)]" > app/values.yaml
