git init -q && git add -A && git -c user.name=h -c user.email=h@example.com -c commit.gpgsign=false commit -qm one
