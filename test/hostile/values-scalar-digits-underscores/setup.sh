node -e "require('fs').appendFileSync('app/values.yaml', 'pin: 1' + '_1'.repeat(102400) + '\\n')"
