#!/bin/sh
# Mongo Express reads its connection string and session secrets from the environment only.
# Build them from the secret files just before it starts, so they never sit in the container's
# configuration (docker inspect) or on a command line (ps); then run the given command.
set -eu
secret() { tr -d '\r\n' < "$1"; }
ME_CONFIG_MONGODB_URL="mongodb://${INSPECTOR_DB_USERNAME}:$(secret "$INSPECTOR_DB_PASSWORD_FILE")@${MONGO_HOSTS}/${ECG_DB_NAME:-ecg}?${MONGO_URL_OPTIONS}"
ME_CONFIG_SITE_SESSIONSECRET="$(secret "$ME_SESSION_SECRET_FILE")"
ME_CONFIG_SITE_COOKIESECRET="$(secret "$ME_COOKIE_SECRET_FILE")"
export ME_CONFIG_MONGODB_URL ME_CONFIG_SITE_SESSIONSECRET ME_CONFIG_SITE_COOKIESECRET
# The image's defaults name a server and a URL; only the URL built here may count.
unset ME_CONFIG_MONGODB_SERVER
exec "$@"
