#!/usr/bin/env bash
# Replays apps/verifier/Dockerfile without a Docker engine, from the committed
# files, in a temporary directory: the build stage's install, build and
# assembly, then the runtime stage's command with /app and the models
# read-only, HOME and TMPDIR unwritable, as an unprivileged user when run as
# root. Serves one generation from the repository's CLI, drains on SIGTERM,
# and prints the size of /app.
#   apps/verifier/scripts/replay-image.sh [PORT]     (default 18790)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
port="${1:-18790}"
pnpm=(npx -y pnpm@12.4.2)
work="$(mktemp -d /tmp/specsteer-image.XXXXXX)"
server=''
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -KILL "$server"; fi
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build stage in $work/repo (the Dockerfile's COPY and RUN lines)"
mkdir -p "$work/repo"
# The COPY lines, from the committed tree (what a clean clone would send as the context).
git -C "$repo" archive HEAD package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json LICENSE \
  packages/protocol/package.json packages/protocol/tsconfig.json packages/protocol/src \
  packages/core/package.json packages/core/tsconfig.json packages/core/src \
  packages/llama/package.json packages/llama/tsconfig.json packages/llama/src \
  apps/verifier/package.json apps/verifier/tsconfig.json apps/verifier/src apps/verifier/scripts |
  tar -x -C "$work/repo"
(
  cd "$work/repo"
  CI=true "${pnpm[@]}" install --frozen-lockfile --filter "@specsteer/verifier..." >/dev/null
  "${pnpm[@]}" --filter @specsteer/verifier run build >/dev/null
  node apps/verifier/scripts/assemble-image.mjs "$work/app"
)

echo "== runtime stage: node dist/server.mjs from a read-only /app"
mkdir -p "$work/models" "$work/home"
cp "$repo/models/specsteer-large.gguf" "$work/models/"
chmod -R a-w "$work/app" "$work/models" "$work/home"
chmod 755 "$work"
as_user=()
if [ "$(id -u)" = 0 ]; then as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
(
  cd "$work/app"
  exec env -i PATH="$PATH" NODE_ENV=production HOME="$work/home" TMPDIR="$work/home" \
    SPECSTEER_HOST=127.0.0.1 SPECSTEER_PORT="$port" \
    SPECSTEER_TARGET_MODEL_PATH="$work/models/specsteer-large.gguf" \
    "${as_user[@]}" node dist/server.mjs
) >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 1
done
echo "readyz: $(curl -s "http://127.0.0.1:$port/readyz")"
"${pnpm[@]}" --dir "$repo" --silent specsteer generate --server "ws://127.0.0.1:$port/v1/ws" \
  --history "$repo/apps/cli/examples/history.txt" --seed 7 --no-color \
  --prompt 'Draft a short note for the team on the language of Brydound.'
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=''
echo "server exit status after SIGTERM: $status"
grep -q 'connections drained' "$work/server.log" || { echo 'no drain in the log' >&2; exit 1; }
echo "written under HOME/TMPDIR: $(find "$work/home" -mindepth 1 | wc -l) files"
echo "== size"
for dir in app app/dist app/node_modules; do du -sh "$work/$dir"; done
[ "$status" = 0 ]
