#!/bin/bash
# mongod refuses a key file that others can read or another user owns, and a compose secret is
# neither: copy it with the owner and mode mongod demands, then run the image's own entrypoint.
set -euo pipefail
install -m 400 -o mongodb -g mongodb /run/secrets/mongo_replica_key /etc/mongo-replica.key
exec docker-entrypoint.sh "$@"
