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
LAB_CHALLENGE_ADDR=127.0.80.1  # nginx (fixture web root, 80 + 8080) and tlsalpn.py (443)
LAB_HOSTILE_ADDR=127.0.80.2    # hostile.py (80 + 443); canaries on its forbidden ports
LAB_ALPN_ADDR2=127.0.80.3      # tlsalpn.py again (443): the second RFC 8738 IP target
LAB_REBIND_ADDR=127.0.53.4     # rebind.py: rebind.test., answers alternate
LAB_API_PORT=8443
LAB_STATUS_PORT=8081
LAB_MAX_PERSPECTIVES=10

LAB_FIXTURE_ZONE=${LAB_FIXTURE_ZONE:-$LAB_REPO/tests/fixtures/open-mpic/zone/integration-testing.open-mpic.org.zone}

# HTTP and TLS-ALPN targets (README.md "Web, TLS-ALPN, rebinding and canary").
LAB_WEB_ZONE=web.test.
LAB_REBIND_ZONE=rebind.test.
LAB_WEB_ROOT=$LAB_REPO/tests/fixtures/open-mpic/webroot
LAB_FIXTURE_SITE=$LAB_REPO/tests/fixtures/open-mpic/nginx/integration-testing.open-mpic.org
# Forbidden destinations the lab puts on lo, so that even a broken validator's
# connection stays on this machine and reaches the canary.
LAB_PRIVATE_ADDR=10.255.0.1
LAB_METADATA_ADDR=169.254.169.254
LAB_LO_ADDRS4="10.255.0.1/32 169.254.169.254/32"
# 6to4 of 10.255.0.1, NAT64 of 169.254.169.254, IPv4-compatible 169.254.169.254,
# link-local (scope lo). Added only when lo has IPv6 (::1).
LAB_LO_ADDRS6="2002:aff:1::1/128 64:ff9b::a9fe:a9fe/128 ::a9fe:a9fe/128 fe80::1/128"
# Values. The thumbprint stands for an ACME account key's:
#   printf %s lab-account-key | openssl dgst -sha256 -binary | base64 | tr +/ -_ | tr -d =
# hostile.py serves "<token>.<thumbprint>" as the key authorization of token
# <token>. LAB_ALPN_KA is the key authorization of every alpn-* name; its
# SHA-256 (hex, and base64url) is in their acmeIdentifier extension.
LAB_HTTP_THUMBPRINT=AM_fN0M23Vp5T426WYwXpHUm_wstdWzNIY4DmErGt6E
LAB_ALPN_KA=lab-tls-alpn-01.$LAB_HTTP_THUMBPRINT
LAB_ALPN_HASH=0c9185eee4157c46586d65767178a381a891a3acbc443131295b15e106dea8b5
LAB_ALPN_HASH_B64URL=DJGF7uQVfEZYbWV2cXijgaiRo6y8RDExKVsV4QbeqLU
# SHA-256 of "lab-wrong-key-authorization": alpn-wrong-digest's extension.
LAB_ALPN_WRONG_HASH=f2647a6c58fdc7c61ed18db9f817bb8d462bbcee5353b8f8359cf7faa8853fed
LAB_WEB_CHALLENGE=Lab-Web-Change-Value-77
# Open MPIC's TLS-ALPN case (tests/fixtures/open-mpic/CASES.md section 4).
LAB_FIXTURE_ALPN_NAME=tls-alpn.integration-testing.open-mpic.org
LAB_FIXTURE_ALPN_HASH=653471d42925d7eb4cd39a39cda8b34d3034c94cb90067ab78c8123560ba2e5f
# alpn-<key>.web.test names; tlsalpn.py refuses to start unless its table has
# exactly these keys, in this order.
LAB_ALPN_VARIANTS="ok upper tls12 expired noalpn two-sans san-none san-empty san-ip san-other
san-wildcard noncritical ext-missing wrong-digest enc-raw enc-short enc-long enc-trailing enc-utf8
tls10 tls11 stall close"
# shellcheck disable=SC2086,SC2116 # squeeze to one line
LAB_ALPN_VARIANTS=$(echo $LAB_ALPN_VARIANTS)

# True if lo has IPv6 (::1).
lab_have_ipv6() {
	ip -o -6 addr show dev lo 2>/dev/null | grep -q ' ::1/128 '
}

# The lo addresses the lab adds (IPv6 ones only with IPv6 on lo).
# shellcheck disable=SC2086 # one word per address
lab_lo_addrs() {
	echo $LAB_LO_ADDRS4
	if lab_have_ipv6; then echo $LAB_LO_ADDRS6; fi
}

# Canary listeners: "required" (up fails if one cannot be bound) and
# "optional" (skipped with a warning when taken, e.g. port 22 by sshd).
lab_canary_required() {
	local a
	for a in $LAB_PRIVATE_ADDR $LAB_METADATA_ADDR; do
		echo "$a:80 $a:443"
	done
	echo "$LAB_HOSTILE_ADDR:8080"
	if lab_have_ipv6; then
		for a in ::1 2002:aff:1::1 64:ff9b::a9fe:a9fe ::a9fe:a9fe fe80::1%lo; do
			echo "[$a]:80 [$a]:443"
		done
	fi
}
lab_canary_optional() {
	# 22, 21 (ftp), 70 (gopher), 2628 (dict) on the hostile address; 127.0.0.1
	# is where Linux sends a connection to 0.0.0.0 from an unbound socket.
	echo "$LAB_HOSTILE_ADDR:22 $LAB_HOSTILE_ADDR:21 $LAB_HOSTILE_ADDR:70 $LAB_HOSTILE_ADDR:2628"
	echo "127.0.0.1:80 127.0.0.1:443"
}

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
# an argument "-c <LAB_DIR>/....conf" (knotd, nginx, perspectived, also under a
# wrapper such as valgrind) or one of the lab's Python servers (blackhole.py,
# tlsalpn.py, hostile.py, rebind.py, canary.py) with an argument inside LAB_DIR.
# Matching whole arguments, not substrings, keeps `tail -f $LAB_DIR/p1/log`
# or an editor on a config file safe from `down`.
lab_is_ours() {
	local pid=$1 arg prev="" script=0 inlab=0
	[ -r "/proc/$pid/cmdline" ] || return 1
	while IFS= read -r -d '' arg; do
		if [ "$prev" = "-c" ]; then
			case $arg in "$LAB_DIR"/*.conf) return 0 ;; esac
		fi
		case $arg in
		*/tests/lab/blackhole.py | */tests/lab/tlsalpn.py | */tests/lab/hostile.py | \
			*/tests/lab/rebind.py | */tests/lab/canary.py) script=1 ;;
		"$LAB_DIR"/*) inlab=1 ;;
		esac
		prev=$arg
	done <"/proc/$pid/cmdline"
	[ $script = 1 ] && [ $inlab = 1 ]
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

# Add the forbidden destinations to lo (idempotent). Fails if one cannot be added.
lab_lo_add() {
	local a out
	for a in $(lab_lo_addrs); do
		[ -z "$(ip -o addr show dev lo to "$a" 2>/dev/null)" ] || continue
		case $a in
		*:*) out=$(ip -6 addr add "$a" dev lo nodad 2>&1) ;;
		*) out=$(ip addr add "$a" dev lo 2>&1) ;;
		esac || lab_die "ip addr add $a dev lo: $out"
	done
}

# Remove them again (idempotent; whatever the state of LAB_DIR). Only these
# exact prefixes on lo are touched. Returns 1 if one is still there.
lab_lo_del() {
	local a rc=0
	for a in $LAB_LO_ADDRS4 $LAB_LO_ADDRS6; do
		[ -n "$(ip -o addr show dev lo to "$a" 2>/dev/null)" ] || continue
		ip addr del "$a" dev lo 2>/dev/null || true
		if [ -n "$(ip -o addr show dev lo to "$a" 2>/dev/null)" ]; then
			lab_log "error: could not remove $a from lo"
			rc=1
		fi
	done
	return $rc
}
