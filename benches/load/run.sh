#!/usr/bin/env bash
# The admission webhook under load, beside its floor: Debian's nginx-light answering a constant
# AdmissionReview response over the same TLS certificate, both on 127.0.0.1, driven by Debian's
# `hey`. See "Admission webhook under load" in benches/README.md.
#
#   benches/load/run.sh [--rounds N] [--no-build] [--webhook PATH] [--key ec|rsa]
#
# Needs (installs nothing): the Debian packages hey, nginx-light, openssl, curl and python3
#   (apt-get install hey nginx-light openssl curl python3), and cargo unless --no-build.
# Starts everything on 127.0.0.1 and stops all of it on exit. Results: printed, and written to
# ${CARGO_TARGET_DIR:-target}/load/results-<UTC time>.md. Exit status: 0 when every target of
# issue 10 is met, 2 when one is missed (the report says which), 1 when the run itself failed.
#
# Phases, in order:
#   1. warm-up of both servers (not reported);
#   2. N rounds (default 3) of: saturation (`hey -n 10000 -c 500`, POST a 3-container Pod's
#      AdmissionReview to the webhook's /mutate with warm evidence, and the same body to
#      nginx), then fixed rate (`hey -q 50 -c 20 -z 5s`: 1,000 reviews/s from 20 clients);
#      which server goes first alternates by round;
#   3. the webhook's peak RSS (VmHWM), read after the rounds;
#   4. Enforce under timeouts: a second webhook without --evidence, its images in a "registry"
#      that accepts connections and never answers (blackhole.py), --deadline-ms 200; 2,000
#      reviews from 100 concurrent clients to /mutate and to /validate, every body checked
#      (deny_check.py): none may be allowed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
rounds=3
build=1
webhook_bin=
key=ec
while [ $# -gt 0 ]; do
    case $1 in
        --rounds) rounds=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --webhook) webhook_bin=$2; build=0; shift 2 ;;
        --key) key=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 1 ;;
    esac
done

missing=()
for tool in hey openssl curl python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
nginx_bin=$(command -v nginx || true)
[ -z "$nginx_bin" ] && [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx
[ -z "$nginx_bin" ] && missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: missing ${missing[*]}; on Debian: apt-get install hey nginx-light openssl curl python3" >&2
    exit 1
fi
if [ $build = 1 ]; then
    (cd "$root" && cargo build --release -p sigchain-examples --example admission_webhook)
fi
webhook_bin=${webhook_bin:-$target/release/examples/admission_webhook}
[ -x "$webhook_bin" ] || { echo "run.sh: no webhook binary at $webhook_bin" >&2; exit 1; }

# hey opens 500 connections, each end of which is a descriptor here.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d "${TMPDIR:-/tmp}/webhook-load.XXXXXX")
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "== $*" >&2; }

# --- the certificate both servers present ------------------------------------------------
# hey sends its Host header as the TLS server name, port included ("127.0.0.1:PORT"), which is
# not a DNS name: rustls refuses such a ClientHello (illegal_parameter), OpenSSL ignores it. The
# API server sends the Service's DNS name; hey is given one (-host) for both servers.
sni=load-test.webhook.svc
case $key in
    ec) key_args=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    rsa) key_args=(-newkey rsa:2048) ;;
    *) echo "run.sh: --key ec or rsa" >&2; exit 1 ;;
esac
openssl req -x509 "${key_args[@]}" -nodes -days 2 -subj "/CN=load-test" \
    -addext "subjectAltName=DNS:$sni,IP:127.0.0.1" -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null

# --- the webhook -----------------------------------------------------------------------------
# start_webhook NAME ARGS...: start it, wait for its address; sets $webhook_pid, $webhook_addr.
start_webhook() {
    local name=$1
    shift
    "$webhook_bin" --addr 127.0.0.1:0 --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" "$@" \
        >"$work/$name.out" 2>"$work/$name.err" &
    webhook_pid=$!
    pids+=("$webhook_pid")
    for _ in $(seq 100); do
        if [ -s "$work/$name.out" ] && head -n1 "$work/$name.out" | grep -q '^listening on https://'; then
            webhook_addr=$(head -n1 "$work/$name.out" | sed 's|^listening on https://||')
            return 0
        fi
        kill -0 "$webhook_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "run.sh: the webhook ($name) did not start:" >&2
    cat "$work/$name.err" >&2
    exit 1
}

review=$here/pod-review.json
start_webhook webhook --policy "$here/policy.yaml" --evidence "$here/evidence.json"
wh_pid=$webhook_pid
wh_url=https://$webhook_addr/mutate
log "webhook pid $wh_pid at $wh_url"

# Its answer to the review: admitted, with the patch pinning three digests. nginx answers
# exactly these bytes.
curl -sSfk -X POST -H 'Content-Type: application/json' --data-binary @"$review" "$wh_url" \
    >"$work/response.json"
python3 - "$work/response.json" <<'PY'
import json, sys
answer = json.load(open(sys.argv[1]))["response"]
assert answer["allowed"] is True, answer
assert answer.get("patchType") == "JSONPatch" and answer.get("patch"), answer
PY

# --- nginx with the constant answer ------------------------------------------------------------
nginx_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
body=$(cat "$work/response.json")
case $body in
    *\$*|*\\*) echo "run.sh: the response has \$ or \\, which nginx's return would interpret" >&2; exit 1 ;;
esac
body=${body//\'/\\\'}
mkdir -p "$work/nginx"
user_line=
[ "$(id -u)" = 0 ] && user_line="user root;"
cat >"$work/nginx.conf" <<CONF
$user_line
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$nginx_port ssl;
        ssl_certificate $work/tls.crt;
        ssl_certificate_key $work/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 4m;
        location = /mutate {
            default_type application/json;
            return 200 '$body';
        }
    }
}
CONF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx.conf" -e "$work/nginx/error.log" &
nginx_pid=$!
pids+=("$nginx_pid")
nginx_url=https://127.0.0.1:$nginx_port/mutate
for _ in $(seq 100); do
    curl -sfk -o "$work/nginx-check.json" -X POST --data-binary @"$review" "$nginx_url" && break
    kill -0 "$nginx_pid" 2>/dev/null || { cat "$work/nginx/error.log" >&2; exit 1; }
    sleep 0.1
done
cmp -s "$work/nginx-check.json" "$work/response.json" || { echo "run.sh: nginx does not answer the webhook's bytes" >&2; exit 1; }
log "nginx pid $nginx_pid at $nginx_url ($(wc -c <"$work/response.json") bytes answered, review $(wc -c <"$review") bytes)"

# --- measuring -----------------------------------------------------------------------------------
ticks=$(getconf CLK_TCK)
# cpu_seconds PID...: user+system time of these processes (all their threads).
cpu_seconds() {
    local total=0 pid fields
    for pid in "$@"; do
        fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
        total=$((total + $(echo "$fields" | awk '{print $12 + $13}')))
    done
    echo "scale=3; $total / $ticks" | bc 2>/dev/null || python3 -c "print($total / $ticks)"
}
server_pids() {
    case $1 in
        webhook) echo "$wh_pid" ;;
        nginx) echo "$nginx_pid $(pgrep -P "$nginx_pid" | tr '\n' ' ')" ;;
    esac
}
url_of() { case $1 in webhook) echo "$wh_url" ;; nginx) echo "$nginx_url" ;; esac; }

# measure ROUND PHASE SERVER HEY_ARGS...
measure() {
    local round=$1 phase=$2 server=$3
    shift 3
    local before after out=$work/hey-$round-$phase-$server.txt
    # shellcheck disable=SC2046
    before=$(cpu_seconds $(server_pids "$server"))
    hey "$@" -host "$sni" -m POST -T application/json -D "$review" "$(url_of "$server")" >"$out"
    # shellcheck disable=SC2046
    after=$(cpu_seconds $(server_pids "$server"))
    printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$phase" "$server" \
        "$(python3 "$here/report.py" hey "$out")" \
        "$(python3 -c "print(round($after - $before, 3))")" >>"$work/results.tsv"
    log "round $round $phase $server: $(tail -n1 "$work/results.tsv" | cut -f4-)"
    sleep 1
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if pgrep -f ci-clone >/dev/null 2>&1; then
    log "warning: a CI run (ci-clone) is going; the figures will show it"
fi
log "warm-up"
for server in nginx webhook; do
    hey -n 2000 -c 50 -host "$sni" -m POST -T application/json -D "$review" "$(url_of "$server")" >/dev/null
done
: >"$work/results.tsv"
for round in $(seq "$rounds"); do
    order="nginx webhook"
    [ $((round % 2)) = 0 ] && order="webhook nginx"
    for server in $order; do
        measure "$round" saturation "$server" -n 10000 -c 500
    done
    for server in $order; do
        measure "$round" fixed "$server" -q 50 -c 20 -z 5s
    done
done

vmhwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
{
    printf 'webhook_vmhwm_kib\t%s\n' "$(vmhwm "$wh_pid")"
    printf 'nginx_master_vmhwm_kib\t%s\n' "$(vmhwm "$nginx_pid")"
    largest=0
    for pid in $(pgrep -P "$nginx_pid"); do
        kib=$(vmhwm "$pid")
        [ "$kib" -gt "$largest" ] && largest=$kib
    done
    printf 'nginx_worker_vmhwm_kib\t%s\n' "$largest"
} >"$work/rss.txt"

# --- Enforce when every evidence lookup times out -------------------------------------------------
python3 "$here/blackhole.py" >"$work/blackhole.port" &
pids+=("$!")
for _ in $(seq 50); do
    [ -s "$work/blackhole.port" ] && break
    sleep 0.1
done
silent=127.0.0.1:$(cat "$work/blackhole.port")
sed "s|127\.0\.0\.1:5000/|$silent/|g" "$review" >"$work/silent-review.json"
echo '{"auths": {}}' >"$work/docker-config.json"
start_webhook deadline --policy "$here/policy.yaml" --registry-config "$work/docker-config.json" --deadline-ms 200
deadline_pid=$webhook_pid
log "deadline webhook pid $deadline_pid at $webhook_addr, registry $silent never answers"
for endpoint in mutate validate; do
    python3 "$here/deny_check.py" "https://$webhook_addr/$endpoint" "$work/silent-review.json" \
        --requests 2000 --concurrency 100 >"$work/deny-$endpoint.json"
    log "enforce /$endpoint: $(cat "$work/deny-$endpoint.json")"
done
printf 'deadline_vmhwm_kib\t%s\n' "$(vmhwm "$deadline_pid")" >>"$work/rss.txt"

# --- the report ----------------------------------------------------------------------------------
{
    echo "## Admission webhook under load: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r); load average (1, 5, 15 min) at the start: $load_before, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- nginx $("$nginx_bin" -v 2>&1 | sed 's|.*/||') (Debian nginx-light, $(nproc) workers), hey $(dpkg-query -W -f='${Version}' hey 2>/dev/null || echo '?'), certificate: self-signed $key ($([ "$key" = ec ] && echo P-256 || echo 2048-bit)), TLS 1.3 (hey's default)"
    echo "- webhook: $webhook_bin (commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
    echo "- review: $(wc -c <"$review") bytes (a 3-container Pod); answer: $(wc -c <"$work/response.json") bytes (allowed, 3-digest JSONPatch), the same bytes from both servers"
} >"$work/meta.txt"
mkdir -p "$target/load"
results=$target/load/results-$(date -u +%Y%m%dT%H%M%SZ).md
set +e
python3 "$here/report.py" table "$work" >"$results"
verdict=$?
set -e
cat "$results"
echo
echo "written to $results"
[ $verdict = 0 ] || [ $verdict = 2 ] || exit 1
exit $verdict
