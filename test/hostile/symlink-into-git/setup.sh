# The checkout's git config with a token in the remote URL, and an in-repository link to it: `file "gitconfig"`
# must refuse the link by where it resolves, and the token must reach neither stdout nor stderr.
printf '[remote "origin"]\n\turl = https://x-access-token:ghp_CANARY0hostile0token@example.invalid/o/r.git\n' > .git/config
ln -s ../.git/config app/gitconfig
