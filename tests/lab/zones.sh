# shellcheck shell=bash
# Build the lab's DNS data: keys, zone sources, signed zones, the root trust
# anchor and the root hints. Sourced by `up` after lib.sh; entry point
# lab_build_zones. See README.md for the zone catalogue.
#
# Every signed zone uses one ECDSAP256SHA256 key with flags 257 (a CSK): one
# key per zone keeps signing cheap, and validators do not care about the split.
# Keys are kept between runs; zones are rebuilt when this recipe, the fixture
# or the addresses change, or when the signatures are less than a day from
# expiring.

LAB_DNS=$LAB_DIR/dns
LAB_TTL=60
LAB_SIG_DAYS=30

# Where each zone's name server lives. The "refused" delegations point at the
# zone-less knotd: the main knotd serves test., so asking it about a name below
# one of test.'s delegations only returns the same referral again (a lame
# delegation), never REFUSED.
LAB_REFUSED_NS_ADDR=${LAB_REFUSED_NS_ADDR:-$LAB_REFUSER_ADDR}

# Zones served by the main knotd: "origin file" pairs.
LAB_SERVED_ZONES=". root.zone
test. test.zone
secure.test. secure.test.zone
insecure.test. insecure.test.zone
bogus.test. bogus.test.zone
stripped.test. stripped.test.zone
nsec3.test. nsec3.test.zone
integration-testing.open-mpic.org. integration-testing.open-mpic.org.zone"

# Print the base name of ZONE's key (K<zone>+013+<tag>), making the key once.
lab_zone_key() {
	local zone=$1 label base
	label=${zone%.}
	[ -n "$label" ] || label=root
	if [ -s "$LAB_DNS/keys/$label.base" ]; then
		base=$(cat "$LAB_DNS/keys/$label.base")
		if [ -s "$LAB_DNS/keys/$base.private" ] && [ -s "$LAB_DNS/keys/$base.key" ]; then
			echo "$LAB_DNS/keys/$base"
			return 0
		fi
	fi
	base=$(cd "$LAB_DNS/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$zone") ||
		lab_die "ldns-keygen failed for $zone"
	chmod 600 "$LAB_DNS/keys/$base.private"
	echo "$base" >"$LAB_DNS/keys/$label.base"
	echo "$LAB_DNS/keys/$base"
}

# DS (SHA-256) of ZONE's key, as one zone-file line.
lab_zone_ds() {
	ldns-key2ds -n -2 "$(lab_zone_key "$1").key" || lab_die "ldns-key2ds failed for $1"
}

# lab_sign ORIGIN INFILE OUTFILE INCEPTION EXPIRATION [extra ldns-signzone args]
lab_sign() {
	local origin=$1 in=$2 out=$3 inc=$4 exp=$5 key
	shift 5
	key=$(lab_zone_key "$origin")
	ldns-signzone "$@" -u -i "$inc" -e "$exp" -o "$origin" -f "$out" "$in" "$key" ||
		lab_die "ldns-signzone failed for $origin"
}

lab_soa() {
	# shellcheck disable=SC2016 # $TTL is zone-file syntax
	printf '$TTL %s\n@ SOA %s hostmaster.lab.invalid. 1 1800 900 604800 %s\n' \
		"$LAB_TTL" "$1" "$LAB_TTL"
}

# Zone sources -----------------------------------------------------------------

lab_src_secure() {
	local i
	lab_soa ns.secure.test.
	cat <<'EOF'
@               NS     ns
ns              A      127.0.53.1
caa             CAA    0 issue "ca.example.net"
caa             CAA    0 iodef "mailto:security@example.net"
deny            CAA    0 issue "other-ca.example"
wild            CAA    0 issue "ca.example.net"
wild            CAA    0 issuewild ";"
wildok          CAA    0 issue ";"
wildok          CAA    0 issuewild "ca.example.net"
semicolon       CAA    0 issue ";"
critical        CAA    0 issue "ca.example.net"
critical        CAA    128 tbs "unknown"
critical-known  CAA    128 issue "ca.example.net"
flag1           CAA    0 issue "ca.example.net"
flag1           CAA    1 futuretag "x"
upper           CAA    0 ISSUE "CA.Example.NET"
acct            CAA    0 issue "ca.example.net; accounturi=https://ca.example.net/acct/1"
methods         CAA    0 issue "ca.example.net; validationmethods=dns-01,http-01"
mail            CAA    0 issuemail "ca.example.net"
mail-other      CAA    0 issuemail "other-ca.example"
iodef-only      CAA    0 iodef "mailto:x@example.net"
cname           CNAME  caa.secure.test.
cname-empty     CNAME  nodata.secure.test.
nodata          A      192.0.2.1
loop-a          CNAME  loop-b.secure.test.
loop-b          CNAME  loop-a.secure.test.
chain-ok1       CNAME  chain-ok2.secure.test.
chain-ok2       CNAME  chain-ok3.secure.test.
chain-ok3       CNAME  caa.secure.test.
txt             TXT    "hello"
EOF
	for i in 1 2 3 4 5 6 7 8 9; do
		printf 'chain%s CNAME chain%s.secure.test.\n' "$i" $((i + 1))
	done
	printf 'chain10 CNAME caa.secure.test.\n'
	for i in $(seq 1 300); do
		printf 'large CAA 0 issue "ca%s.example.net"\n' "$i"
	done
	for i in $(seq 1 19); do
		printf 'big-ok CAA 0 issue "ca%s.example.net"\n' "$i"
	done
	printf 'big-ok CAA 0 issue "ca.example.net"\n'
}

# bogus.test. and stripped.test. have the same data; only the signing differs.
lab_src_caa_pair() {
	lab_soa "ns.$1"
	cat <<'EOF'
@               NS     ns
ns              A      127.0.53.1
@               CAA    0 issue "ca.example.net"
www             CAA    0 issue "ca.example.net"
EOF
}

lab_src_insecure() {
	lab_soa ns.insecure.test.
	cat <<EOF
@               NS     ns
ns              A      127.0.53.1
refused         NS     ns.refused
ns.refused      A      $LAB_REFUSED_NS_ADDR
caa             CAA    0 issue "ca.example.net"
deny            CAA    0 issue "other-ca.example"
EOF
}

lab_src_nsec3() {
	lab_soa ns.nsec3.test.
	cat <<EOF
@               NS     ns
ns              A      127.0.53.1
caa             CAA    0 issue "ca.example.net"
unsigned-child  NS     ns.unsigned-child
ns.unsigned-child A    $LAB_REFUSED_NS_ADDR
EOF
}

lab_src_test() {
	local z
	lab_soa a.root-servers.test.
	cat <<EOF
@                    NS  a.root-servers
a.root-servers       A   127.0.53.1
secure               NS  ns.secure
ns.secure            A   127.0.53.1
insecure             NS  ns.insecure
ns.insecure          A   127.0.53.1
bogus                NS  ns.bogus
ns.bogus             A   127.0.53.1
stripped             NS  ns.stripped
ns.stripped          A   127.0.53.1
nsec3                NS  ns.nsec3
ns.nsec3             A   127.0.53.1
refused-insecure     NS  ns.refused-insecure
ns.refused-insecure  A   $LAB_REFUSED_NS_ADDR
refused-secure       NS  ns.refused-secure
ns.refused-secure    A   $LAB_REFUSED_NS_ADDR
timeout              NS  ns.timeout
ns.timeout           A   $LAB_BLACKHOLE_ADDR
EOF
	for z in secure bogus stripped nsec3 refused-secure; do
		lab_zone_ds "$z.test."
	done
}

lab_src_root() {
	lab_soa a.root-servers.test.
	cat <<'EOF'
.                                      NS  a.root-servers.test.
test.                                  NS  a.root-servers.test.
a.root-servers.test.                   A   127.0.53.1
integration-testing.open-mpic.org.     NS  ns1.integration-testing.open-mpic.org.
ns1.integration-testing.open-mpic.org. A   127.0.53.1
EOF
	lab_zone_ds test.
}

# The Open MPIC fixture with upstream's server address moved onto loopback:
# the name server to the lab DNS, every other host to the challenge address.
lab_src_fixture() {
	sed -e '/^ns1[[:space:]]/s/140\.82\.1\.140/127.0.53.1/' \
		-e "s/140\\.82\\.1\\.140/$LAB_CHALLENGE_ADDR/g" "$LAB_FIXTURE_ZONE"
}

lab_check_fixture() {
	local f=$1
	if grep -q '140\.82\.1\.140' "$f"; then
		lab_die "fixture rewrite left 140.82.1.140 in $f"
	fi
	grep -Eq '^ns1[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.53\.1$' "$f" ||
		lab_die "fixture rewrite: ns1 does not point at 127.0.53.1 in $f"
	[ "$(grep -c "[[:space:]]$LAB_CHALLENGE_ADDR\$" "$f")" = 3 ] ||
		lab_die "fixture rewrite: expected 3 records on $LAB_CHALLENGE_ADDR in $f"
	if ! grep -q '1\.2\.3\.4' "$f" || ! grep -q '5\.6\.7\.8' "$f" ||
		! grep -q '2001:4860:4860::8888' "$f"; then
		lab_die "fixture rewrite damaged the ip-address records in $f"
	fi
}

# Build -----------------------------------------------------------------------

# Everything that changes the output except time: the scripts, the fixture,
# the addresses.
lab_zones_recipe() {
	{
		cat "$LAB_HERE/zones.sh" "$LAB_FIXTURE_ZONE"
		echo "$LAB_REFUSED_NS_ADDR $LAB_BLACKHOLE_ADDR $LAB_CHALLENGE_ADDR $LAB_TTL"
		cat "$LAB_DNS"/keys/*.base 2>/dev/null
	} | sha256sum | cut -d' ' -f1
}

lab_zones_fresh() {
	local stamp=$LAB_DNS/.stamp recipe expires outputs origin file
	[ -s "$stamp" ] && [ -s "$LAB_DIR/root.key" ] && [ -s "$LAB_DIR/root.hints" ] || return 1
	while read -r origin file; do
		[ -s "$LAB_DNS/$file" ] || return 1
	done <<<"$LAB_SERVED_ZONES"
	read -r recipe expires outputs <"$stamp" || return 1
	[ "$recipe" = "$(lab_zones_recipe)" ] || return 1
	[ "$outputs" = "$(lab_zones_outputs)" ] || return 1
	[ "$expires" -gt $(($(date +%s) + 86400)) ]
}

# Hash of what the servers and resolvers read, so a damaged file is rebuilt.
lab_zones_outputs() {
	local origin file
	while read -r origin file; do
		cat "$LAB_DNS/$file"
	done <<<"$LAB_SERVED_ZONES" | cat - "$LAB_DIR/root.key" "$LAB_DIR/root.hints" |
		sha256sum | cut -d' ' -f1
}

lab_build_zones() {
	local now inc exp old_inc old_exp src origin file
	mkdir -p "$LAB_DNS/keys" "$LAB_DNS/src"
	[ -r "$LAB_FIXTURE_ZONE" ] || lab_die "fixture zone not found: $LAB_FIXTURE_ZONE"

	if lab_zones_fresh; then
		lab_log "zones: cached (signatures valid until $(date -u -d "@$(cut -d' ' -f2 "$LAB_DNS/.stamp")" '+%F %TZ'))"
		return 0
	fi

	now=$(date +%s)
	inc=$((now - 3600))
	exp=$((now + LAB_SIG_DAYS * 86400))
	# bogus.test.: a validity window that ended a day ago.
	old_inc=$((now - (LAB_SIG_DAYS + 1) * 86400))
	old_exp=$((now - 86400))
	src=$LAB_DNS/src

	# Make every key first so the recipe hash (which covers key names) is final.
	for origin in . test. secure.test. bogus.test. stripped.test. nsec3.test. refused-secure.test.; do
		lab_zone_key "$origin" >/dev/null
	done

	lab_src_secure >"$src/secure.test.zone"
	lab_sign secure.test. "$src/secure.test.zone" "$LAB_DNS/secure.test.zone" "$inc" "$exp"

	lab_src_caa_pair bogus.test. >"$src/bogus.test.zone"
	lab_sign bogus.test. "$src/bogus.test.zone" "$LAB_DNS/bogus.test.zone" "$old_inc" "$old_exp"

	# stripped.test.: has a DS in test. (from its key) but is served unsigned.
	lab_src_caa_pair stripped.test. >"$LAB_DNS/stripped.test.zone"

	lab_src_insecure >"$LAB_DNS/insecure.test.zone"

	# NSEC3 per RFC 9276: SHA-1, no extra iterations, no salt, no opt-out.
	lab_src_nsec3 >"$src/nsec3.test.zone"
	lab_sign nsec3.test. "$src/nsec3.test.zone" "$LAB_DNS/nsec3.test.zone" "$inc" "$exp" -n -a 1 -t 0

	lab_src_test >"$src/test.zone"
	lab_sign test. "$src/test.zone" "$LAB_DNS/test.zone" "$inc" "$exp"

	lab_src_root >"$src/root.zone"
	lab_sign . "$src/root.zone" "$LAB_DNS/root.zone" "$inc" "$exp"

	lab_src_fixture >"$LAB_DNS/integration-testing.open-mpic.org.zone"
	lab_check_fixture "$LAB_DNS/integration-testing.open-mpic.org.zone"

	# kzonecheck: full DNSSEC checks where the signatures are meant to be valid.
	while read -r origin file; do
		case $origin in
		bogus.test.) set -- -d on -t "$((old_exp - 3600))" ;;
		stripped.test. | insecure.test. | integration-testing.open-mpic.org.) set -- ;;
		*) set -- -d on ;;
		esac
		kzonecheck "$@" -o "$origin" "$LAB_DNS/$file" >"$LAB_DNS/kzonecheck.out" 2>&1 || {
			cat "$LAB_DNS/kzonecheck.out" >&2
			lab_die "kzonecheck rejected $LAB_DNS/$file"
		}
	done <<<"$LAB_SERVED_ZONES"
	rm -f "$LAB_DNS/kzonecheck.out"

	# Trust anchor (DS form, as ub_ctx_add_ta_file reads it) and root hints.
	lab_zone_ds . >"$LAB_DIR/root.key.tmp"
	mv "$LAB_DIR/root.key.tmp" "$LAB_DIR/root.key"
	cat >"$LAB_DIR/root.hints" <<'EOF'
; Root hints for the lab's private root (see tests/lab/README.md).
.                        3600000  NS  a.root-servers.test.
a.root-servers.test.     3600000  A   127.0.53.1
EOF

	echo "$(lab_zones_recipe) $exp $(lab_zones_outputs)" >"$LAB_DNS/.stamp"
	lab_log "zones: signed (valid until $(date -u -d "@$exp" '+%F %TZ'))"
}
