#!/usr/bin/env bash
# Packs rushnet, installs the tarball into a fresh project, and runs the README's quick-start
# example there against a private redis-server on a free port.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
redis_pid=""
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

tarball=$(cd "$root" && npm pack --silent --pack-destination "$work" | tail -n 1)
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "$work/$tarball"
cp "$root/examples/quickstart.mjs" .

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

out=$(REDIS_URL="redis://127.0.0.1:$port" node quickstart.mjs)
echo "$out"
echo "$out" | grep -q "50 tasks finished" || { echo "check-pack: unexpected output" >&2; exit 1; }
npx --no-install rushnet --help >/dev/null
node --input-type=module -e "const m = await import('rushnet/optimize'); if (typeof m.optimize !== 'function' || typeof m.adbo !== 'function') process.exit(1);" \
  || { echo "check-pack: rushnet/optimize does not import" >&2; exit 1; }
echo "check-pack: the packed tarball installs and runs the quick start"
