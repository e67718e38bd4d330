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

# Reverse zones for reverse-address-lookup: 1.2.3.0/24 and 2001:1234:5678::/48,
# delegated (signed, with DS) straight from the private root. Neither range is
# one of libunbound's default local zones (RFC 1918, 127/8, the documentation
# ranges, 100.64/10, 169.254/16, 2001:db8::/32, fd00::/8, fe80::/10 are), so
# the perspectives' resolvers ask the lab's root for them like any other name.
LAB_REV4_ZONE=3.2.1.in-addr.arpa.
LAB_REV6_ZONE=8.7.6.5.4.3.2.1.1.0.0.2.ip6.arpa.

# Zones served by the main knotd: "origin file" pairs.
LAB_SERVED_ZONES=". root.zone
test. test.zone
secure.test. secure.test.zone
insecure.test. insecure.test.zone
bogus.test. bogus.test.zone
stripped.test. stripped.test.zone
nsec3.test. nsec3.test.zone
dcv.test. dcv.test.zone
web.test. web.test.zone
$LAB_REV4_ZONE ${LAB_REV4_ZONE}zone
$LAB_REV6_ZONE ${LAB_REV6_ZONE}zone
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

# Domain control validation (issue 3): dcv.test. and the reverse zones. The
# values are fixed so that tests can name them; README.md lists every name.
#
#   LAB_DCV_HASH   acme-dns-01 key authorization hash:
#                  printf %s lab-dns-01 | openssl dgst -sha256 -binary | base64 | tr +/ -_ | tr -d =
#   LAB_ACCT<k>    dns-account-01 account URIs, and LAB_ACCT<k>_HASH their TXT
#                  values (lab-account-<k> hashed the same way)
LAB_DCV_HASH=w_WMj71IwLSiEFwZG_BH0GnFDyJvFp8dAQ1jK5b944g
LAB_ACCT1=https://ca.example.net/acct/1
LAB_ACCT1_HASH=EYjjMdDUXsTVqZtbL3_85ljqgfZ9Ammrrzqknc6mtLo
LAB_ACCT2=https://ca.example.net/acct/2
LAB_ACCT2_HASH=VCPb1pACZN6N3pO4veMOo3_EaVqkLOjVpMZ3rXsNM3Y
LAB_ACCT3=https://acme.example.org/acme/acct/Zx-9_Q
LAB_ACCT3_HASH=JXMxzqXOtv0DkFkbSFLfhKETRBo1RHsgaKZp0qxQkMI

# The dns-account-01 label of an account URI (BR 3.2.2.4.21): lower-case
# base32 (RFC 4648), unpadded, of the first 10 bytes of its SHA-256. Made here
# with openssl and coreutils, independently of shared/dcv_dns.c.
lab_account_label() {
	local label
	label=$(printf %s "$1" | openssl dgst -sha256 -binary | head -c 10 | base32 | tr -d = |
		tr '[:upper:]' '[:lower:]')
	[ ${#label} = 16 ] || lab_die "dns-account-01 label of $1: got \"$label\""
	echo "$label"
}

lab_src_dcv() {
	local h=$LAB_DCV_HASH
	lab_soa ns.dcv.test.
	cat <<EOF
@                                 NS     ns
ns                                A      127.0.53.1
; acme-dns-01: TXT at _acme-challenge.<name>, exact match with the hash
_acme-challenge.exact             TXT    "$h"
_acme-challenge.lead-space        TXT    " $h"
_acme-challenge.trail-space       TXT    "$h "
_acme-challenge.nul               TXT    "${h:0:21}\\000${h:21}"
_acme-challenge.nul-end           TXT    "$h\\000"
_acme-challenge.junk              TXT    "junk $h junk"
_acme-challenge.multi             TXT    "foo"
_acme-challenge.multi             TXT    "$h"
_acme-challenge.multi             TXT    "bar baz"
_acme-challenge.split             TXT    "${h:0:17}" "${h:17:13}" "${h:30}"
_acme-challenge.case              TXT    "${h,,}"
_acme-challenge.cname1            CNAME  landing.dcv.test.
_acme-challenge.cname3            CNAME  hop1.dcv.test.
hop1                              CNAME  hop2.dcv.test.
hop2                              CNAME  landing.dcv.test.
landing                           TXT    "$h"
_acme-challenge.loop              CNAME  loop2.dcv.test.
loop2                             CNAME  _acme-challenge.loop.dcv.test.
_acme-challenge.a-only            A      192.0.2.1
_acme-challenge.to-insecure       CNAME  dcv-landing.insecure.test.
; dns-change: TXT, CNAME or CAA at <prefix>.<name>; substring by default
change-sub                        TXT    "before Lab-Change-Value-42 after"
change-exact                      TXT    "Lab-Change-Value-42"
change-lower                      TXT    "lab-change-value-42"
_dcv-token.change-prefix          TXT    "Lab-Change-Value-42"
change-cname                      CNAME  lab-change-value-42.example.net.
change-caa                        CAA    0 issue "ca.example.net"
change-caa                        CAA    0 dnschange "lab-change-value-42"
change-caa-issue                  CAA    0 issue "ca.example.net; token=Lab-Change-Value-42"
; contact-email-txt, contact-phone-txt
_validation-contactemail.contact  TXT    "Admin@Example.NET"
_validation-contactphone.contact  TXT    "+1 555 0100"
_validation-contactemail.contact-space TXT " admin@example.net "
_validation-contactphone.contact-space TXT "+1 555 0100 "
_validation-contactemail.contact-multi TXT "noise"
_validation-contactemail.contact-multi TXT "admin@example.net"
; contact-email-caa, contact-phone-caa: the CAA tree climb below tree
tree                              CAA    0 contactemail "tree-admin@example.net"
tree                              CAA    0 contactphone "+1 555 0199"
caa-contact.tree                  CAA    0 issue "ca.example.net"
caa-contact.tree                  CAA    0 contactemail "Admin@Example.NET"
caa-contact.tree                  CAA    0 contactphone "+1 555 0100"
caa-critical.tree                 CAA    128 contactemail "admin@example.net"
caa-critical.tree                 CAA    128 contactphone "+1 555 0100"
caa-upper-tag.tree                CAA    0 CONTACTEMAIL "admin@example.net"
caa-other-tag.tree                CAA    0 issue "ca.example.net"
caa-other-tag.tree                CAA    0 iodef "mailto:admin@example.net"
nocaa                             A      192.0.2.1
; ip-address
ip                                A      1.2.3.4
ip                                A      5.6.7.8
ip                                AAAA   2001:db8::1
ip                                AAAA   2001:db8:0:1::abcd
ip4only                           A      192.0.2.10
ip-cname                          CNAME  ip.dcv.test.
; reverse-address-lookup names (PTRs live in the reverse zones)
host                              A      1.2.3.4
host6                             AAAA   2001:1234:5678::1
; dns-persistent: TXT at _validation-persist.<name>
_validation-persist.persist-ok           TXT "ca.example.net; accounturi=https://ca.example.net/acct/1"
_validation-persist.persist-future       TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; persistUntil=4102444800"
_validation-persist.persist-past         TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; persistUntil=1000000000"
_validation-persist.persist-past-upper   TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; PERSISTUNTIL=1000000000"
_validation-persist.persist-until-bad    TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; persistUntil=tomorrow"
_validation-persist.persist-other-issuer TXT "other-ca.example; accounturi=https://ca.example.net/acct/1"
_validation-persist.persist-issuer-case  TXT "CA.Example.NET; accounturi=https://ca.example.net/acct/1"
_validation-persist.persist-other-acct   TXT "ca.example.net; accounturi=https://ca.example.net/acct/2"
_validation-persist.persist-acct-case    TXT "ca.example.net; accounturi=https://CA.example.net/acct/1"
_validation-persist.persist-dup          TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; accounturi=https://ca.example.net/acct/1"
_validation-persist.persist-dup-until    TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; persistUntil=4102444800; persistuntil=4102444800"
_validation-persist.persist-no-acct      TXT "ca.example.net; persistUntil=4102444800"
_validation-persist.persist-malformed    TXT "ca.example.net; accounturi"
_validation-persist.persist-unknown      TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; policy=strict; x-future=1"
_validation-persist.persist-spaces       TXT "  ca.example.net ;  accounturi=https://ca.example.net/acct/1  "
_validation-persist.persist-issuer-only  TXT "ca.example.net;"
_validation-persist.persist-split        TXT "ca.example.net; accounturi=https://ca.ex" "ample.net/acct/1"
_validation-persist.persist-multi        TXT "garbage"
_validation-persist.persist-multi        TXT "other-ca.example; accounturi=https://ca.example.net/acct/1"
_validation-persist.persist-multi        TXT "ca.example.net; accounturi=https://ca.example.net/acct/9"
_validation-persist.persist-multi        TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; persistUntil=4102444800"
_validation-persist.persist-multi-none   TXT "ca.example.net; accounturi=https://ca.example.net/acct/9"
_validation-persist.persist-multi-none   TXT "ca.example.net; accounturi=https://ca.example.net/acct/1; persistUntil=1000000000"
_validation-persist.persist-cname        CNAME persist-landing.dcv.test.
persist-landing                          TXT "ca.example.net; accounturi=https://ca.example.net/acct/1"
; dns-account-01: TXT at _<label>._acme-challenge.acct01 per account (below),
; and the plain acme-dns-01 record beside them
_acme-challenge.acct01            TXT    "$h"
EOF
	printf '_%s._acme-challenge.acct01 TXT "%s"\n' \
		"$(lab_account_label "$LAB_ACCT1")" "$LAB_ACCT1_HASH" \
		"$(lab_account_label "$LAB_ACCT2")" "$LAB_ACCT2_HASH" \
		"$(lab_account_label "$LAB_ACCT3")" "$LAB_ACCT3_HASH"
}

# HTTP and TLS-ALPN targets (README.md "Web, TLS-ALPN, rebinding and canary").
# Forbidden addresses here are the ones the lab puts on lo: a validator that
# wrongly connects stays on this machine and hits the canary.
lab_src_web() {
	local v
	lab_soa ns.web.test.
	cat <<EOF
@                 NS     ns
ns                A      127.0.53.1
hostile           A      $LAB_HOSTILE_ADDR
hostile-b         A      $LAB_HOSTILE_ADDR
private           A      $LAB_PRIVATE_ADDR
metadata          A      $LAB_METADATA_ADDR
loopback6         AAAA   ::1
mapped6           AAAA   ::ffff:$LAB_METADATA_ADDR
mixed             A      $LAB_HOSTILE_ADDR
mixed             A      $LAB_PRIVATE_ADDR
EOF
	for v in $LAB_ALPN_VARIANTS; do
		printf 'alpn-%s A %s\n' "$v" "$LAB_CHALLENGE_ADDR"
	done
}

lab_src_rev4() {
	lab_soa a.root-servers.test.
	cat <<'EOF'
@               NS     a.root-servers.test.
4               PTR    host.dcv.test.
5               PTR    mixed-case.dcv.test.
6               PTR    one.example.net.
6               PTR    two.example.net.
8               TXT    "no PTR here"
EOF
}

lab_src_rev6() {
	lab_soa a.root-servers.test.
	cat <<'EOF'
@               NS     a.root-servers.test.
; 2001:1234:5678::1
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR host6.dcv.test.
EOF
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
	# The same DCV data as dcv.test.: a bogus (or stripped) answer must never pass.
	cat <<EOF
_acme-challenge.www            TXT "$LAB_DCV_HASH"
_validation-persist.www        TXT "ca.example.net; accounturi=https://ca.example.net/acct/1"
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
dcv-landing     TXT    "$LAB_DCV_HASH"
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
dcv                  NS  ns.dcv
ns.dcv               A   127.0.53.1
web                  NS  ns.web
ns.web               A   127.0.53.1
rebind               NS  ns.rebind
ns.rebind            A   $LAB_REBIND_ADDR
EOF
	for z in secure bogus stripped nsec3 refused-secure dcv web; do
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
	printf '%s NS a.root-servers.test.\n' "$LAB_REV4_ZONE" "$LAB_REV6_ZONE"
	lab_zone_ds test.
	lab_zone_ds "$LAB_REV4_ZONE"
	lab_zone_ds "$LAB_REV6_ZONE"
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
		echo "$LAB_HOSTILE_ADDR $LAB_REBIND_ADDR $LAB_PRIVATE_ADDR $LAB_METADATA_ADDR $LAB_ALPN_VARIANTS"
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
	for origin in . test. secure.test. bogus.test. stripped.test. nsec3.test. refused-secure.test. \
		dcv.test. web.test. "$LAB_REV4_ZONE" "$LAB_REV6_ZONE"; do
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

	lab_src_dcv >"$src/dcv.test.zone"
	lab_sign dcv.test. "$src/dcv.test.zone" "$LAB_DNS/dcv.test.zone" "$inc" "$exp"

	lab_src_web >"$src/web.test.zone"
	lab_sign web.test. "$src/web.test.zone" "$LAB_DNS/web.test.zone" "$inc" "$exp"

	lab_src_rev4 >"$src/${LAB_REV4_ZONE}zone"
	lab_sign "$LAB_REV4_ZONE" "$src/${LAB_REV4_ZONE}zone" "$LAB_DNS/${LAB_REV4_ZONE}zone" "$inc" "$exp"
	lab_src_rev6 >"$src/${LAB_REV6_ZONE}zone"
	lab_sign "$LAB_REV6_ZONE" "$src/${LAB_REV6_ZONE}zone" "$LAB_DNS/${LAB_REV6_ZONE}zone" "$inc" "$exp"

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
