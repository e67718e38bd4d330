# Shared definitions for the lab scripts (up, down, selfcheck). Sourced, not run.
# shellcheck shell=bash disable=SC2034 # the variables are used by the sourcing scripts
#
# Everything the lab knows about addresses, ports and perspective names lives
# here, so that up, down, selfcheck and the README cannot drift apart.

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_HERE/../.." && pwd)

# State directory: always absolute, because it ends up in configs, PID checks
# and the command lines that `down` matches.
LAB_DIR=${LAB_DIR:-$LAB_REPO/build/lab}
case $LAB_DIR in
/*) ;;
*) LAB_DIR=$(pwd)/$LAB_DIR ;;
esac
LAB_DIR=$(realpath -m -- "$LAB_DIR")

# The Python with Debian's modules (dnslib, cryptography); the one on PATH may
# be a pyenv build without them.
LAB_PYTHON=/usr/bin/python3

# Fixed addresses. All of 127.0.0.0/8 is routed to lo on Linux, so any of these
# can be bound without configuring anything.
LAB_DNS_ADDR=127.0.53.1        # knotd: the private root and every test zone
LAB_BLACKHOLE_ADDR=127.0.53.2  # blackhole.py: takes queries, never answers
LAB_REFUSER_ADDR=127.0.53.3    # second knotd without zones: REFUSED for everything
LAB_CHALLENGE_ADDR=127.0.80.1  # future HTTP-01 / TLS-ALPN-01 servers (nothing yet)
LAB_API_PORT=8443
LAB_STATUS_PORT=8081
LAB_MAX_PERSPECTIVES=10

LAB_FIXTURE_ZONE=${LAB_FIXTURE_ZONE:-$LAB_REPO/tests/fixtures/open-mpic/zone/integration-testing.open-mpic.org.zone}

# Perspective i (1-based): code, RIR, address.
lab_code() {
	case $1 in
	1) echo us-east-2 ;;      2) echo us-west-2 ;;
	3) echo eu-west-3 ;;      4) echo eu-central-1 ;;
	5) echo ap-southeast-1 ;; 6) echo ap-northeast-2 ;;
	7) echo sa-east-1 ;;      8) echo af-south-1 ;;
	9) echo ca-central-1 ;;   10) echo eu-north-1 ;;
	*) return 1 ;;
	esac
}

lab_rir() {
	case $1 in
	1 | 2 | 9) echo ARIN ;;
	3 | 4 | 10) echo "RIPE NCC" ;;
	5 | 6) echo APNIC ;;
	7) echo LACNIC ;;
	8) echo AFRINIC ;;
	*) return 1 ;;
	esac
}

lab_addr() { echo "127.0.10.$1"; }

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() {
	printf 'lab: error: %s\n' "$*" >&2
	exit 1
}

# Milliseconds since the epoch, for timing and deadlines.
lab_now_ms() { date +%s%3N; }

# True if /proc/PID/cmdline belongs to something the lab started for LAB_DIR:
# an argument "-c <LAB_DIR>/....conf" (knotd, perspectived, also under a
# wrapper such as valgrind) or blackhole.py with an argument inside LAB_DIR.
# Matching whole arguments, not substrings, keeps `tail -f $LAB_DIR/p1/log`
# or an editor on a config file safe from `down`.
lab_is_ours() {
	local pid=$1 arg prev="" blackhole=0 inlab=0
	[ -r "/proc/$pid/cmdline" ] || return 1
	while IFS= read -r -d '' arg; do
		if [ "$prev" = "-c" ]; then
			case $arg in "$LAB_DIR"/*.conf) return 0 ;; esac
		fi
		case $arg in
		*/tests/lab/blackhole.py) blackhole=1 ;;
		"$LAB_DIR"/*) inlab=1 ;;
		esac
		prev=$arg
	done <"/proc/$pid/cmdline"
	[ $blackhole = 1 ] && [ $inlab = 1 ]
}

# PIDs of every process lab_is_ours accepts, except this shell and its parents.
lab_find_ours() {
	local p self=$$ skip=" " q
	q=$self
	while [ -n "$q" ] && [ "$q" != 0 ] && [ "$q" != 1 ]; do
		skip="$skip$q "
		q=$(awk '/^PPid:/ {print $2}' "/proc/$q/status" 2>/dev/null) || break
	done
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		case $skip in *" $p "*) continue ;; esac
		lab_is_ours "$p" && echo "$p"
	done
	return 0
}

# Run a command in the background, detached from our stdin/stdout and from
# every inherited descriptor above 2 (a make jobserver pipe or a caller's
# $(...) pipe would otherwise stay open and hang whoever reads it).
# Usage: lab_spawn LOGFILE PIDFILE cmd args...   Sets LAB_SPAWNED_PID.
lab_spawn() {
	local log=$1 pidfile=$2
	shift 2
	(
		for fd in "/proc/$BASHPID/fd/"*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
		done
		exec "$@"
	) </dev/null >>"$log" 2>&1 &
	LAB_SPAWNED_PID=$!
	# Not a job of ours: no "Killed" notices from bash when `down` stops it.
	disown "$LAB_SPAWNED_PID" 2>/dev/null || true
	echo "$LAB_SPAWNED_PID" >"$pidfile"
}
