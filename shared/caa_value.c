/*
 * caa_value.c: the wire form of CAA records and the grammar of their
 * issuer values (RFC 8659 sections 4.1 and 4.2). Pure functions over bytes
 * from the network; fuzzed by tests/fuzz/fuzz_caa_value.c.
 */
#include "caa.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int
caa_record_parse(const uint8_t *rdata, size_t len, struct caa_record *rec)
{
	size_t taglen;

	if (len < 2)
		return -1;
	taglen = rdata[1];
	/* RFC 8659 4.1: the tag is 1 to 15 letters and digits. */
	if (taglen == 0 || taglen > CAA_MAX_TAG || 2 + taglen > len)
		return -1;
	rec->flags = rdata[0];
	for (size_t i = 0; i < taglen; i++) {
		unsigned char c = rdata[2 + i];

		if (!is_alnum(c))
			return -1;
		rec->tag[i] = (char)tolower(c);
	}
	rec->tag[taglen] = '\0';
	rec->value = rdata + 2 + taglen;
	rec->value_len = len - 2 - taglen;
	return 0;
}

/*
 * Append @p n bytes, escaped for presentation format; false if no room. In
 * a tag (@p tag true) anything but letters and digits is escaped as \DDD,
 * so a malformed tag cannot make the text ambiguous.
 */
static bool
append_escaped(char *out, size_t *o, size_t outlen, const uint8_t *b, size_t n, bool tag)
{
	for (size_t i = 0; i < n; i++) {
		char esc[8];
		size_t elen = 1;

		if (tag && !is_alnum(b[i])) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\%03u", b[i]);
		} else if (b[i] == '"' || b[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)b[i];
			elen = 2;
		} else if (b[i] < 0x20 || b[i] > 0x7e) {
			elen = (size_t)snprintf(esc, sizeof(esc), "\\%03u", b[i]);
		} else {
			esc[0] = (char)b[i];
		}
		if (*o + elen >= outlen)
			return false;
		memcpy(out + *o, esc, elen);
		*o += elen;
	}
	return true;
}

int
caa_record_text(const uint8_t *rdata, size_t len, char *out, size_t outlen)
{
	size_t taglen, o;
	int n;

	if (len < 2 || (taglen = rdata[1]) + 2 > len)
		return -1;
	n = snprintf(out, outlen, "%u ", rdata[0]);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	o = (size_t)n;
	/* The tag as it was sent: escaped too, so any rdata gives printable text. */
	if (!append_escaped(out, &o, outlen, rdata + 2, taglen, true) || o + 2 >= outlen)
		return -1;
	out[o++] = ' ';
	out[o++] = '"';
	if (!append_escaped(out, &o, outlen, rdata + 2 + taglen, len - 2 - taglen, false) ||
	    o + 2 > outlen)
		return -1;
	out[o++] = '"';
	out[o] = '\0';
	return 0;
}

/* White space of RFC 8659's grammar (WSP: space and horizontal tab). */
static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT) ) */
static size_t
scan_label(const char *s, size_t len)
{
	size_t i = 0, last_alnum;

	if (len == 0 || !is_alnum((unsigned char)s[0]))
		return 0;
	last_alnum = 1;
	for (i = 1; i < len; i++) {
		if (is_alnum((unsigned char)s[i]))
			last_alnum = i + 1;
		else if (s[i] != '-')
			break;
	}
	/* Trailing hyphens are not part of the label. */
	return last_alnum;
}

int
caa_value_parse(const char *v, size_t len, struct caa_issuer_value *out)
{
	size_t i = 0, n;

	memset(out, 0, sizeof(*out));
	while (i < len && is_wsp(v[i]))
		i++;
	/* issuer-domain-name = label *("." label), optional. */
	if (i < len && v[i] != ';') {
		size_t start = i;

		for (;;) {
			if ((n = scan_label(v + i, len - i)) == 0)
				return -1;
			i += n;
			if (i < len && v[i] == '.') {
				i++;
				continue;
			}
			break;
		}
		out->issuer = v + start;
		out->issuer_len = i - start;
		while (i < len && is_wsp(v[i]))
			i++;
	} else {
		out->issuer = v + i;
		out->issuer_len = 0;
	}
	if (i == len)
		return 0;
	if (v[i] != ';')
		return -1;
	i++;
	while (i < len && is_wsp(v[i]))
		i++;
	if (i == len)
		return 0; /* ";" followed by nothing: no parameters */
	/* parameters = parameter *( *WSP ";" *WSP parameter ) */
	for (;;) {
		struct caa_param *p;

		if (out->n_params == CAA_MAX_PARAMS)
			return -1;
		p = &out->params[out->n_params];
		if ((n = scan_label(v + i, len - i)) == 0)
			return -1;
		p->tag = v + i;
		p->tag_len = n;
		i += n;
		while (i < len && is_wsp(v[i]))
			i++;
		if (i == len || v[i] != '=')
			return -1;
		i++;
		while (i < len && is_wsp(v[i]))
			i++;
		/* value = *(%x21-3A / %x3C-7E) */
		p->val = v + i;
		while (i < len && (unsigned char)v[i] >= 0x21 && (unsigned char)v[i] <= 0x7e &&
		    v[i] != ';')
			i++;
		p->val_len = (size_t)(v + i - p->val);
		out->n_params++;
		while (i < len && is_wsp(v[i]))
			i++;
		if (i == len)
			return 0;
		if (v[i] != ';')
			return -1;
		i++;
		while (i < len && is_wsp(v[i]))
			i++;
		/* A ";" must be followed by another parameter. */
		if (i == len)
			return -1;
	}
}
