node -e "let s='items:\\n';for(let i=0;i<20000;i++)s+='  - name: svc'+i+'\\n    r: x'+i+'\\n';require('fs').writeFileSync('app/values.yaml',s)"
