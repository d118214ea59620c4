node -e "const p={};for(let i=0;i<30000;i++)p['p'+i]={type:'string'};require('fs').writeFileSync('app/values.schema.json',JSON.stringify({type:'object',properties:p}))"
