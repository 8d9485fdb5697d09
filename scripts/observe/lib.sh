# Shared by start-influxdb.sh and start-prometheus.sh (sourced): free loopback ports, detached
# bounded processes, readiness polling.

die() { echo "$(basename "$0"): error: $*" >&2; exit 1; }

# A free TCP port on 127.0.0.1 (the kernel picks it; a race with another process is retried by the caller).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_bounded DIR NAME MAX_SECONDS CMD...: runs CMD detached under `timeout`, so it can never
# outlive MAX_SECONDS even if whoever started it dies; writes DIR/NAME.pid, logs to DIR/NAME.log.
start_bounded() {
  local dir=$1 name=$2 max=$3
  shift 3
  setsid timeout --signal=TERM --kill-after=10 "$max" "$@" >"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

# wait_ready URL PIDFILE SECONDS: polls URL until it answers 2xx; fails if the process exits.
wait_ready() {
  local url=$1 pidfile=$2 seconds=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    # node, not curl: the project needs Node anyway and minimal Debian images have no curl.
    node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(1000)}).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))' "$url" && return 0
    kill -0 "$(cat "$pidfile")" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# parse_common ARGS...: the options both start scripts take (sets DIR and MAX_SECONDS).
parse_common() {
  DIR='' MAX_SECONDS=1800
  while (($#)); do
    case $1 in
      --dir) DIR=$2; shift 2 ;;
      --max-seconds) MAX_SECONDS=$2; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown argument '$1' (see --help)" ;;
    esac
  done
  [[ -n $DIR ]] || DIR=$(mktemp -d "${TMPDIR:-/tmp}/k6lr-observe-XXXXXX")
  mkdir -p "$DIR"
  [[ $MAX_SECONDS =~ ^[0-9]+$ ]] || die "--max-seconds must be a whole number"
}
