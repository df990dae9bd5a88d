#!/usr/bin/env bash
# Build the newsbot image and prove it works offline, as non-root, over a read-only corpus.
#
# No Docker engine here, and no registry for base images: podman (with runc) builds the
# Dockerfile on a Debian base made with debootstrap and imported into podman. The same
# Dockerfile builds on a normal Docker host with its default base (python:3.11-slim).
#
#   sudo scripts/container-smoke.sh          # NEWSBOT_SMOKE_DIR=/tmp/newsbot-smoke by default
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WORK=${NEWSBOT_SMOKE_DIR:-/tmp/newsbot-smoke}
IMAGE=newsbot:smoke
BASE=localbase:bookworm
CA=/etc/ssl/certs/ca-certificates.crt
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'container-smoke: FAIL: %s\n' "$*" >&2; exit 1; }

step "tools"
need=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || need+=("$tool"); done
if ((${#need[@]})); then
  [ "$(id -u)" = 0 ] || fail "need root to install ${need[*]}"
  apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap ca-certificates \
    >/dev/null || fail "cannot install podman, runc and debootstrap"
fi
mkdir -p "$WORK"
# crun refuses this host's cgroup layout and hard rlimits cannot be raised here.
cat >"$WORK/containers.conf" <<CONF
[engine]
runtime = "runc"
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
CONF
export CONTAINERS_CONF="$WORK/containers.conf"
pm() { podman --root "$WORK/root" --runroot "$WORK/runroot" --storage-driver overlay "$@"; }

step "base image ($BASE)"
if ! pm image exists "$BASE"; then
  rm -rf "$WORK/rootfs"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log"; fail "debootstrap failed"; }
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
  tar -C "$WORK/rootfs" -c . | pm import - "$BASE" >/dev/null
  rm -rf "$WORK/rootfs"
fi

step "build $IMAGE"
secret=()
[ -s "$CA" ] && secret=(--secret "id=pip_ca,src=$CA")
pm build --format docker --build-arg "BASE=$BASE" "${secret[@]}" -t "$IMAGE" "$REPO" \
  >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; fail "image build failed"; }
pm image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q 'newsbot' \
  || fail "image has no HEALTHCHECK"
pm run --rm --no-healthcheck "$IMAGE" sh -c 'command -v gcc cc || true' | grep -q . && fail "compiler in image"
if pm history --no-trunc "$IMAGE" | grep -qi "BEGIN CERTIFICATE"; then fail "CA bundle in a layer"; fi

step "runs as the non-root user"
[ "$(pm run --rm --no-healthcheck "$IMAGE" id -u)" = 10001 ] || fail "not running as uid 10001"

step "answers offline over a read-only corpus"
rm -rf "$WORK/corpus" "$WORK/index"
cp -r "$REPO/corpus" "$WORK/corpus"
mkdir -p "$WORK/index" && chown 10001:10001 "$WORK/index"
run=(pm run --rm --no-healthcheck --network none -v "$WORK/corpus:/data/corpus:ro" -v "$WORK/index:/data/index")
out=$("${run[@]}" "$IMAGE" newsbot ask --json "How much was Northfield Water fined?")
echo "$out" | python3 -c '
import json, sys
reply = json.load(sys.stdin)
assert reply["answered"], reply
first = reply["answers"][0]
assert "£2.4m" in first["snippet"], first["snippet"]
assert first["source"]["file"] == "ledger-water-fine.txt", first["source"]
print("answer:", first["snippet"])
' || fail "wrong answer: $out"
ls "$WORK"/index/corpus-*/current >/dev/null 2>&1 || fail "index not saved to the volume"
"${run[@]}" "$IMAGE" sh -c 'touch /data/corpus/x' 2>/dev/null && fail "corpus is writable"

step "health check"
set +e
msg=$("${run[@]}" "$IMAGE" newsbot health); code=$?
set -e
[ "$code" = 1 ] || fail "health without a running bot should be unhealthy (got $code: $msg)"
now=$(date +%s)
printf '{"written": %s, "connected": true, "disconnected_since": null, "chunks": 13}' "$now" \
  >"$WORK/index/heartbeat.json"
"${run[@]}" "$IMAGE" newsbot health | grep -q '^ok: connected' || fail "fresh heartbeat unhealthy"
printf '{"written": %s, "connected": false, "disconnected_since": %s, "chunks": 13}' \
  "$now" "$((now - 120))" >"$WORK/index/heartbeat.json"
"${run[@]}" "$IMAGE" newsbot health >/dev/null && fail "lost gateway reported healthy"

step "serve without a token: one line, exit 2"
set +e
err=$("${run[@]}" "$IMAGE" 2>&1 >/dev/null); code=$?
set -e
[ "$code" = 2 ] || fail "serve without token exited $code"
[ "$(printf '%s\n' "$err" | grep -c .)" = 1 ] || fail "more than one line: $err"

step "sharded profile: compose file and shard config"
PY=python3
[ -x "$REPO/.venv/bin/python" ] && PY="$REPO/.venv/bin/python"  # has pyyaml
"$PY" - "$REPO" <<'PY' || fail "compose.yaml's sharded profile is not as documented"
import sys, yaml
repo = sys.argv[1]
compose = yaml.safe_load(open(f"{repo}/compose.yaml"))
services, networks = compose["services"], compose["networks"]
shards = [n for n, s in services.items()
          if isinstance(s.get("build"), dict) and s["build"].get("dockerfile") == "xapian-shard.Dockerfile"]
assert len(shards) >= 2, shards
for name in shards:
    s = services[name]
    assert s["profiles"] == ["sharded"] and s["networks"] == ["shards"], name
    assert "ports" not in s, f"{name} publishes the unauthenticated remote protocol"
    assert any(v.endswith(":/data") for v in s["volumes"]), name
assert networks["shards"]["internal"] is True
bot = services["newsbot-sharded"]
assert "shards" in bot["networks"] and set(shards) <= set(bot["depends_on"])
config = yaml.safe_load(open(f"{repo}/docker/sharded.yaml"))
assert config["backend"] == "xapian"
assert sorted(a.split(":")[0] for a in config["xapian"]["shards"]) == sorted(shards)
print("compose: shards", shards, "on an internal network")
PY

step "sharded profile: two xapian-tcpsrv shards answer from inside a private network"
SHARD_IMAGE=newsbot-shard:smoke
POD=newsbot-smoke-shards
pm build --format docker --build-arg "BASE=$BASE" -f "$REPO/docker/xapian-shard.Dockerfile" \
  -t "$SHARD_IMAGE" "$REPO/docker" >"$WORK/build-shard.log" 2>&1 \
  || { tail -40 "$WORK/build-shard.log"; fail "shard image build failed"; }
pm pod rm -f "$POD" >/dev/null 2>&1 || true
rm -rf "$WORK/shard0" "$WORK/shard1" "$WORK/sharded-index"
mkdir -p "$WORK/shard0" "$WORK/shard1" "$WORK/sharded-index"
chown 10001:10001 "$WORK/shard0" "$WORK/shard1" "$WORK/sharded-index"  # the images' uid
# Loopback inside the pod is the only network: the same promise as compose's internal network.
pm pod create --name "$POD" --network none >/dev/null || fail "cannot create the pod"
trap 'pm pod rm -f "$POD" >/dev/null 2>&1 || true' EXIT
# As compose runs them: each shard serves its folder read-only through the XAPIANDB stub
# (an empty database until the first build). Loopback is the pod's only interface, so the
# shards listen on it explicitly (the image's default listens on every interface).
for i in 0 1; do
  pm run -d --pod "$POD" --read-only --name "$POD-$i" -v "$WORK/shard$i:/data" "$SHARD_IMAGE" \
    sh -c "test -e /data/XAPIANDB || echo inmemory > /data/XAPIANDB; \
      exec xapian-tcpsrv --interface 127.0.0.1 --port $((33333 + i)) /data" >/dev/null
done
sed -e 's/shard0:33333/127.0.0.1:33333/' -e 's/shard1:33333/127.0.0.1:33334/' \
  "$REPO/docker/sharded.yaml" >"$WORK/sharded.yaml"
config=(-v "$WORK/sharded-index:/data/index" -v "$WORK/sharded.yaml:/etc/newsbot/sharded.yaml:ro"
  -e NEWSBOT_CONFIG=/etc/newsbot/sharded.yaml)
bot=(pm run --rm --no-healthcheck --pod "$POD" -v "$WORK/corpus:/data/corpus:ro" "${config[@]}"
  "$IMAGE")
# compose's newsbot-indexer: no network, the shards' folders mounted where xapian.folders says.
indexer=(pm run --rm --no-healthcheck --network none --read-only --tmpfs /tmp
  -v "$WORK/corpus:/data/corpus:ro" "${config[@]}"
  -v "$WORK/shard0:/shards/0" -v "$WORK/shard1:/shards/1" "$IMAGE")
"${indexer[@]}" newsbot index >"$WORK/sharded-index.log" 2>&1 && grep -q "2 shards" "$WORK/sharded-index.log" \
  || { cat "$WORK/sharded-index.log"; fail "newsbot index --backend xapian failed"; }
sleep 1  # the servers listen by now; each new connection reads the switched stubs
check_answer() {
  python3 -c '
import json, sys
reply = json.load(sys.stdin)
assert reply["answered"], reply
assert "£2.4m" in reply["answers"][0]["snippet"], reply
assert reply.get("partial", False) == (sys.argv[1] == "partial"), reply
print("answer:", reply["answers"][0]["snippet"], "| partial:", reply.get("partial", False))
' "$1"
}
out=$("${bot[@]}" newsbot ask --json "How much was Northfield Water fined?")
echo "$out" | check_answer whole || fail "wrong sharded answer: $out"
owner=$(python3 -c 'import hashlib; f="ledger-water-fine.txt"; print(max(range(2), key=lambda i: hashlib.sha256(f"{i}\0{f}".encode()).digest()))')
pm stop -t 2 "$POD-$((1 - owner))" >/dev/null  # the shard that does not hold the answer
out=$("${bot[@]}" newsbot ask --json "How much was Northfield Water fined?")
echo "$out" | check_answer partial || fail "a stopped shard should give a partial answer: $out"
pm pod rm -f "$POD" >/dev/null
trap - EXIT

printf '\ncontainer-smoke: OK\n'
