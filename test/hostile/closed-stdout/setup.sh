python3 -c "print(\"name: big\\nitems:\"); [print(\"  - line-%06d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" % i) for i in range(40000)]" > app/values.yaml
