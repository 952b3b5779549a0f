/*
 * fuzz_signal.c: fuzz signal_parse, text_sanitize, text_expand, text_shell_inert
 * and text_tmux_quote, checking their invariants.
 *
 * Under `make check` it runs its own main: deterministic pseudo-random and
 * mutated inputs (FUZZ_ITERATIONS, default 100000, FUZZ_SEED).  With libFuzzer
 * (clang here supports it), from the source tree:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZ_LIBFUZZER \
 *     -D_GNU_SOURCE -Isrc tests/unit/fuzz_signal.c src/signal.c src/text.c \
 *     src/xmalloc.c -o /tmp/fuzz_signal && /tmp/fuzz_signal -max_total_time=60 -max_len=600
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signal.h"
#include "text.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Stop with a message naming the broken invariant. */
#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "fuzz_signal: %s:%d: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/* Whether s is a non-empty UPPER_SNAKE name of at most SIGNAL_NAME_MAX bytes. */
static int
fuzz_upper_snake(const char *s)
{
	size_t	i;

	if (s == NULL || s[0] < 'A' || s[0] > 'Z')
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	}
	return i <= SIGNAL_NAME_MAX;
}

/* Whether s is NULL or a well-formed FROM/TO tag. */
static int
fuzz_tag(const char *s)
{
	size_t	i;

	if (s == NULL)
		return 1;
	if (s[0] == '\0' || strlen(s) > SIGNAL_TAG_MAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", s[i]) == NULL)
			return 0;
	}
	return strstr(s, "->") == NULL;
}

/* Whether s is valid UTF-8 without C0 (but TAB), DEL or C1 controls. */
static int
fuzz_clean(const char *s, int tab_ok)
{
	const unsigned char	*p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if ((*p < 0x20 && !(tab_ok && *p == '\t')) || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return 0;
	}
	return text_utf8_valid(s, strlen(s));
}

/* Check the invariants of one parsed signal. */
static void
fuzz_check_signal(const struct signal *sig)
{
	CHECK(fuzz_upper_snake(sig->name));
	CHECK(fuzz_tag(sig->from));
	CHECK(fuzz_tag(sig->to));
	CHECK(sig->to == NULL || sig->from != NULL);
	CHECK(sig->raw != NULL && sig->text != NULL && sig->payload != NULL);
	CHECK(sig->subject != NULL && sig->details != NULL);
	CHECK(fuzz_clean(sig->raw, 1) && fuzz_clean(sig->payload, 1));
	CHECK(strlen(sig->raw) <= SIGNAL_LINE_MAX);
	CHECK(strlen(sig->subject) + strlen(sig->details) <=
	    strlen(sig->payload));
	CHECK(strstr(sig->subject, " - ") == NULL);
}

/* Parse s and check; returns 0 if it was a signal (then *sig is filled). */
static int
fuzz_parse(const char *s, struct signal *sig)
{
	if (signal_parse(s, sig) != 0) {
		CHECK(sig->name == NULL && sig->raw == NULL);
		return -1;
	}
	fuzz_check_signal(sig);
	return 0;
}

/* Whether two parsed signals say the same. */
static int
fuzz_same(const struct signal *a, const struct signal *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    strcmp(a->payload, b->payload) == 0 &&
	    (a->from == NULL) == (b->from == NULL) &&
	    (a->from == NULL || strcmp(a->from, b->from) == 0) &&
	    (a->to == NULL) == (b->to == NULL) &&
	    (a->to == NULL || strcmp(a->to, b->to) == 0);
}

/* Undo text_tmux_quote: strip the outer quotes and turn '\'' back into '. */
static char *
fuzz_tmux_unquote(const char *q)
{
	size_t	 n = strlen(q), i, o = 0;
	char	*out = xmalloc(n + 1);

	CHECK(n >= 2 && q[0] == '\'' && q[n - 1] == '\'');
	for (i = 1; i < n - 1; i++) {
		if (strncmp(q + i, "'\\''", 4) == 0) {
			out[o++] = '\'';
			i += 3;
		} else {
			CHECK(q[i] != '\'');
			out[o++] = q[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Check what the bus writer does with one sanitised line. */
static void
fuzz_writer(const char *clean, const struct signal *plain)
{
	static const char *const shells[] = {
		"bash", "-zsh", "dash", "fish", "cat", "", "tcsh", "ssh",
	};
	struct signal	 sig;
	char		*w, *u, *q, *p;
	size_t		 i;

	for (i = 0; i < sizeof shells / sizeof shells[0]; i++) {
		w = text_shell_inert(clean, shells[i]);
		if (strcmp(shells[i], "tcsh") == 0 ||
		    strcmp(shells[i], "ssh") == 0) {
			CHECK(w == NULL);
			continue;
		}
		CHECK(w != NULL && fuzz_clean(w, 0));
		if (i < 3) {		/* POSIX: : '...' without any '' */
			CHECK(strncmp(w, ": ", 2) == 0);
			for (u = w; *clean != '\0' &&
			    (u = strstr(u, "''")) != NULL; u++)
				CHECK(u > w && u[-1] == '\\');
		}
		if (i < 4) {
			u = text_shell_unwrap(w);
			CHECK(u != NULL);
			if (i < 3 || (*clean != ' ' && *clean != '#'))
				CHECK(strcmp(u, clean) == 0);
			free(u);
		}
		/* What was typed reads back as the same signal, after a prompt too. */
		if (plain != NULL) {
			xasprintf(&p, "me@host:~$ %s", w);
			CHECK(fuzz_parse(w, &sig) == 0);
			CHECK(fuzz_same(plain, &sig));
			signal_free(&sig);
			CHECK(fuzz_parse(p, &sig) == 0);
			CHECK(fuzz_same(plain, &sig));
			signal_free(&sig);
			free(p);
		}
		free(w);
	}
	q = text_tmux_quote(clean);
	CHECK(q != NULL);
	u = fuzz_tmux_unquote(q);
	CHECK(strcmp(u, clean) == 0);
	free(u);
	free(q);
}

/* One fuzz input: everything must hold, nothing may crash. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct text_var vars[] = {
		{ "tag", "DOCKER" }, { "services", "api,worker" },
		{ "details", "{tag} '\\'' \x1b[201~ ;" }, { "x", NULL },
	};
	struct signal	 sig, *plain = NULL;
	char		*s, *clean, *exp;
	size_t		 max, len;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	max = size > 0 ? (size_t)data[0] * 3 % (TEXT_LINE_MAX + 8) : 0;

	if (fuzz_parse(s, &sig) == 0)
		signal_free(&sig);

	clean = text_sanitize(s, max);
	CHECK(strlen(clean) <= max && fuzz_clean(clean, 0));
	free(clean);

	clean = text_sanitize(s, TEXT_LINE_MAX);
	CHECK(strlen(clean) <= TEXT_LINE_MAX && fuzz_clean(clean, 0));
	CHECK(len > TEXT_LINE_MAX || strlen(clean) <= 3 * len);
	/* A clean line that is a signal where it starts must survive wrapping. */
	if (signal_parse(clean, &sig) == 0) {
		fuzz_check_signal(&sig);
		if (strcmp(sig.text, sig.raw) == 0 && strcmp(sig.raw, clean) == 0)
			plain = &sig;
	}
	fuzz_writer(clean, plain);
	if (sig.name != NULL)
		signal_free(&sig);
	free(clean);

	exp = text_expand(s, vars, sizeof vars / sizeof vars[0]);
	clean = text_sanitize(exp, TEXT_LINE_MAX);
	CHECK(fuzz_clean(clean, 0));
	free(clean);
	free(exp);

	free(s);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
/* Seeds: real lines and hostile pieces. */
static const char *const seeds[] = {
	"[DOCKER] STARTED: all services running",
	"[CI-CD->DOCKER] ARTIFACTS_READY: api,worker",
	"[SIGNAL: TESTS_PASS]", "[SIGNAL:TESTS_PASS] 42 - ok",
	"DOCKER_READY: api,mcp", "EC2_READY: staging",
	"[RUST] [SIGNAL: TESTS_PASS] all - 3s",
	"user@host:~$ : '[DOCKER] EXITED: api - it'\\''s gone'",
	"host% [SIGNAL: TESTS_PASS]", "# [DOCKER] UP: x",
	"bash: [SIGNAL:: command not found",
	"[DOCKER] STATUS: {healthy}/{total} healthy - {details}",
	"[{tag}->CI-CD] READY: {services} {{x}} {x}",
	"x\x1b[201~;\\;'\"$(touch /tmp/x)`id`\r\n\x15\x04\xff\xc2\x85",
	"\xe2\x80\xae\xf0\x9f\x90\xb3\xe2\x9d\xaf \xc3\xa9",
};

/* Pieces spliced into inputs. */
static const char *const tokens[] = {
	"[", "]", "->", "SIGNAL", ":", " - ", " ", "'", "\\'", "'\\''", "#",
	": '", "$ ", "% ", "> ", "\xe2\x9d\xaf ", "\x1b[", "\x1b]", "\x07",
	"\x1b\\", "\r", "\n", "\t", "\xff", "\xc2\x85", "\xe2\x80\xa6", "{",
	"}", "{tag}", "A", "Z_9", "DOCKER", "-", "\xc3", "\xf0\x9f",
};

/* xorshift64: deterministic pseudo-random numbers. */
static uint64_t
fuzz_rand(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* Mutate buf (len bytes, room for cap) a few times; returns the new length. */
static size_t
fuzz_mutate(uint8_t *buf, size_t len, size_t cap, uint64_t *r)
{
	size_t		 n = 1 + fuzz_rand(r) % 4, i, pos, tl;
	const char	*t;

	for (i = 0; i < n; i++) {
		pos = len > 0 ? fuzz_rand(r) % (len + 1) : 0;
		switch (fuzz_rand(r) % 5) {
		case 0:		/* flip a byte */
			if (len > 0)
				buf[pos % len] = (uint8_t)fuzz_rand(r);
			break;
		case 1:		/* delete a run */
			if (len > 0) {
				tl = fuzz_rand(r) % (len - pos + 1);
				memmove(buf + pos, buf + pos + tl, len - pos - tl);
				len -= tl;
			}
			break;
		case 2:		/* truncate */
			len = pos;
			break;
		default:	/* insert a token */
			t = tokens[fuzz_rand(r) % (sizeof tokens /
			    sizeof tokens[0])];
			tl = strlen(t);
			if (len + tl > cap)
				break;
			memmove(buf + pos + tl, buf + pos, len - pos);
			memcpy(buf + pos, t, tl);
			len += tl;
			break;
		}
	}
	return len;
}

/* Run the seeds, then mutated and random inputs. */
int
main(void)
{
	uint8_t		 buf[1024];
	const char	*env;
	uint64_t	 r = 0x9e3779b97f4a7c15ULL;
	size_t		 iterations = 100000, i, j, len;

	if ((env = getenv("FUZZ_ITERATIONS")) != NULL)
		iterations = strtoul(env, NULL, 10);
	if ((env = getenv("FUZZ_SEED")) != NULL && strtoull(env, NULL, 10) != 0)
		r = strtoull(env, NULL, 10);
	for (i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
		LLVMFuzzerTestOneInput((const uint8_t *)seeds[i],
		    strlen(seeds[i]));
	for (i = 0; i < iterations; i++) {
		if (i % 8 == 7) {	/* pure random bytes */
			len = fuzz_rand(&r) % 200;
			for (j = 0; j < len; j++)
				buf[j] = (uint8_t)fuzz_rand(&r);
		} else {
			const char *s = seeds[fuzz_rand(&r) % (sizeof seeds /
			    sizeof seeds[0])];

			len = strlen(s);
			memcpy(buf, s, len);
			len = fuzz_mutate(buf, len, sizeof buf, &r);
			if (i % 16 == 0)	/* a long one */
				while (len + len <= sizeof buf && len > 0) {
					memcpy(buf + len, buf, len);
					len += len;
				}
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("fuzz_signal: %zu inputs, all invariants held\n",
	    iterations + sizeof seeds / sizeof seeds[0]);
	return 0;
}
#endif
