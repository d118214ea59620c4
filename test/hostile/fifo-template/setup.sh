mkfifo app/templates/pipe.yaml.hbs
