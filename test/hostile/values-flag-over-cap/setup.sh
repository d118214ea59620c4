head -c 5000 /dev/zero | tr "\\0" "a" > big.yaml
