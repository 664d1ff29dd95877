#!/usr/bin/env bash
# The whole plainfra stack on one machine without Docker: migrate, then the bot, hawk and the
# sentinel as three processes, each started with ONLY its own variables (env -i), exactly as
# docker-compose.yml separates them. Needs Node 20+, PostgreSQL and Redis (noeviction).
#
#   cp .env.example .env      # fill in Slack, Anthropic, hawk's AWS keys and the DB passwords
#   scripts/local-stack.sh    # Ctrl-C stops all three
#
# Settings come from .env (or the file in PLAINFRA_ENV_FILE), plus:
#   PLAINFRA_OWNER_DATABASE_URL  owner login for migrate and the admin CLI
#                                (default postgres://postgres@127.0.0.1:5432/plainfra; created if missing)
#   REDIS_URL                    default redis://127.0.0.1:6379
# Logs go to .local/<role>.log; the admin commands (accounts, channels, ask) use the owner URL:
#   DATABASE_URL=$PLAINFRA_OWNER_DATABASE_URL node dist/cli.js ask --team T --channel C "question"
set -euo pipefail
cd "$(dirname "$0")/.."

env_file="${PLAINFRA_ENV_FILE:-.env}"
if [ ! -f "$env_file" ]; then
  echo "local-stack: $env_file not found: copy .env.example to .env and fill it in" >&2
  exit 2
fi
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a

owner_url="${PLAINFRA_OWNER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/plainfra}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
prefix="${PLAINFRA_QUEUE_PREFIX:-plainfra}"
role_prefix="${PLAINFRA_DB_ROLE_PREFIX:-plainfra_}"
for v in PLAINFRA_DB_PASSWORD_BOT PLAINFRA_DB_PASSWORD_HAWK PLAINFRA_DB_PASSWORD_SENTINEL; do
  if [ -z "${!v:-}" ]; then echo "local-stack: set $v in $env_file (12+ URL-safe characters, e.g. openssl rand -hex 16)" >&2; exit 2; fi
done

[ -f dist/cli.js ] || { echo "== building (npm ci && npm run build)"; npm ci --no-audit --no-fund && npm run build; }

# The database itself, when the owner may create it (a fresh local Postgres).
db_name="$(node -e 'console.log(new URL(process.argv[1]).pathname.slice(1))' "$owner_url")"
maintenance_url="$(node -e 'const u=new URL(process.argv[1]); u.pathname="/postgres"; console.log(u.toString())' "$owner_url")"
if command -v psql >/dev/null && ! psql "$owner_url" -qAtc 'select 1' >/dev/null 2>&1; then
  echo "== creating database $db_name"
  psql "$maintenance_url" -qc "CREATE DATABASE \"$db_name\"" >/dev/null
fi

echo "== migrate (owner login; creates the logins ${role_prefix}bot, ${role_prefix}hawk, ${role_prefix}sentinel)"
env -i PATH="$PATH" DATABASE_URL="$owner_url" REDIS_URL="$redis_url" PLAINFRA_DB_ROLE_PREFIX="$role_prefix" \
  PLAINFRA_DB_PASSWORD_BOT="$PLAINFRA_DB_PASSWORD_BOT" PLAINFRA_DB_PASSWORD_HAWK="$PLAINFRA_DB_PASSWORD_HAWK" \
  PLAINFRA_DB_PASSWORD_SENTINEL="$PLAINFRA_DB_PASSWORD_SENTINEL" node dist/cli.js migrate >/dev/null

# Each role's own login: the owner URL with that role's user and password.
role_url() {
  node -e 'const u=new URL(process.argv[1]); u.username=process.argv[2]; u.password=process.argv[3];
    console.log(u.toString())' "$owner_url" "$1" "$2"
}

# Only set variables are passed on (an empty one would mean "unset" anyway).
pass() { for v in "$@"; do [ -n "${!v:-}" ] && printf '%s=%s\n' "$v" "${!v}"; done; return 0; }

mkdir -p .local
pids=()
start() {
  local role="$1"; shift
  local -a vars=()
  while IFS= read -r line; do vars+=("$line"); done
  env -i PATH="$PATH" "${vars[@]}" node dist/cli.js "$role" >".local/$role.log" 2>&1 &
  pids+=("$!")
  echo "== $role started (pid $!, log .local/$role.log)"
}
stop() {
  echo "== stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM

common=(REDIS_URL="$redis_url" PLAINFRA_QUEUE_PREFIX="$prefix" LOG_LEVEL="${LOG_LEVEL:-info}")
bot_env() {
  printf '%s\n' "${common[@]}" "DATABASE_URL=$(role_url "${role_prefix}bot" "$PLAINFRA_DB_PASSWORD_BOT")" "PORT=${PORT:-3000}"
  pass SLACK_BOT_TOKEN SLACK_SIGNING_SECRET SLACK_APP_TOKEN SLACK_API_URL SLACK_BOT_USER_ID SLACK_BOT_ID PLAINFRA_DOCS_URL
}
hawk_env() {
  printf '%s\n' "${common[@]}" "DATABASE_URL=$(role_url "${role_prefix}hawk" "$PLAINFRA_DB_PASSWORD_HAWK")" \
    "AWS_REGION=${AWS_REGION:-us-east-1}" "AWS_RETRY_MODE=adaptive"
  if [ -n "${HAWK_AWS_ACCESS_KEY_ID:-}" ]; then
    printf '%s\n' "AWS_ACCESS_KEY_ID=$HAWK_AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY=${HAWK_AWS_SECRET_ACCESS_KEY:-}"
  fi
  pass AWS_PROFILE AWS_ENDPOINT_URL
}
sentinel_env() {
  printf '%s\n' "${common[@]}" "DATABASE_URL=$(role_url "${role_prefix}sentinel" "$PLAINFRA_DB_PASSWORD_SENTINEL")"
  pass ANTHROPIC_API_KEY ANTHROPIC_BASE_URL PLAINFRA_MODEL PLAINFRA_DOCS_URL
}
# Process substitution, not a pipe: start() must run in this shell to keep the pids.
start bot < <(bot_env)
start hawk < <(hawk_env)
start sentinel < <(sentinel_env)

echo "== running; Ctrl-C stops all three. Try it without Slack:"
echo "   DATABASE_URL=$owner_url node dist/cli.js ask --team T0TRY --channel C0TRY \"what did we spend last month?\""
wait
