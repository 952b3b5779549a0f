/* config.c: composed.yml -> struct config. The user's file is merged over the
 * built-in defaults (src/defaults.yml) as YAML trees, then validated into the
 * structs with FILE:LINE:COL errors; config_dump() writes the result back. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "config.h"
#include "xmalloc.h"

#define CONFIG_FILE_MAX		(1024 * 1024)	/* bytes in a config file */
#define CONFIG_NODES_MAX	100000		/* YAML nodes, aliases expanded */
#define CONFIG_DEPTH_MAX	32		/* nested collections */
#define CONFIG_ERRORS_MAX	20		/* errors reported at once */
#define CONFIG_DURATION_MAX	(720ULL * 3600 * 1000)	/* 720h */
#define CONFIG_SHOW_MAX		60		/* bytes of user text in a message */

/* ---- a small YAML tree ----------------------------------------------------- */

/* Kinds of YAML node. */
enum ynode_type {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
};

/* One YAML node with its position; mappings keep their keys in order. */
struct ynode {
	enum ynode_type	  type;		/* scalar, sequence or mapping */
	char		 *value;	/* scalar text */
	int		  plain;	/* scalar was not quoted */
	int		  ctrl;		/* scalar holds a control character */
	const char	 *file;		/* file it came from (owned elsewhere) */
	int		  line, col;	/* 1-based position */
	struct ynode	**keys;		/* mapping keys (scalars), nkeys of them */
	size_t		  nkeys;
	struct ynode	**items;	/* sequence items or mapping values */
	size_t		  n;
};

/* An anchor seen so far (&name), for aliases (*name). */
struct yanchor {
	char		*name;		/* anchor name */
	struct ynode	*node;		/* the node it names (owned by the tree) */
};

/* State while turning parser events into a tree. */
struct ybuild {
	const char	*file;		/* name for messages */
	const char	*text;		/* the input, for reader error offsets */
	size_t		 len;		/* its length */
	struct ynode	*root;		/* the document's root, or NULL */
	struct ynode	*stack[CONFIG_DEPTH_MAX]; /* open collections */
	char		*stack_anchor[CONFIG_DEPTH_MAX]; /* their anchors */
	int		 depth;		/* entries on the stack */
	struct yanchor	*anchors;	/* anchors defined so far */
	size_t		 nanchors;
	size_t		 nodes;		/* nodes made, copies included */
	int		 docs;		/* documents started */
	char		*error;		/* first error, FILE:LINE:COL: ... */
};

static int	config_has_ctrl(const char *, size_t);

/* The ring of buffers config_show() hands out. */
static char	config_show_ring[8][CONFIG_SHOW_MAX + 8];
static int	config_show_next;

/* User text made safe for one message line: control characters become '?', long text is cut. */
static const char *
config_show(const char *s)
{
	char		*out = config_show_ring[config_show_next++ % 8];
	size_t		 i = 0, o = 0, len = strlen(s), seq;
	unsigned char	 c;

	while (i < len) {
		c = (unsigned char)s[i];
		seq = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (o + seq > CONFIG_SHOW_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			out[o++] = '?';
			i++;
		} else if (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			out[o++] = '?';		/* a C1 control */
			i += 2;
		} else if (config_has_ctrl(s + i, seq)) {
			out[o++] = '?';		/* U+2028, U+2029 */
			i += seq;
		} else {
			for (; seq > 0 && i < len; seq--)
				out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return out;
}

/* A file name made safe for a message (control characters become '?'; caller frees). */
static char *
config_clean(const char *s)
{
	char	*out = xstrdup(s), *p;

	for (p = out; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if ((unsigned char)p[0] == 0xc2 &&
		    (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] <= 0x9f) {
			p[0] = '?';
			p[1] = '?';
		}
	}
	return out;
}

/* Whether s (len bytes) holds a control character (C0, DEL, C1, NUL, U+2028/9). */
static int
config_has_ctrl(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 1;
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return 1;
		/* Line and paragraph separators: YAML breaks lines there. */
		if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0xa8 ||
		    (unsigned char)s[i + 2] == 0xa9))
			return 1;
	}
	return 0;
}

/* Free a node and everything below it. */
static void
ynode_free(struct ynode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkeys; i++)
		ynode_free(n->keys[i]);
	for (i = 0; i < n->n; i++)
		ynode_free(n->items[i]);
	free(n->keys);
	free(n->items);
	free(n->value);
	free(n);
}

/* Whether n is a null scalar (empty, ~ or null, unquoted). */
static int
ynode_null(const struct ynode *n)
{
	return n != NULL && n->type == YN_SCALAR && n->plain &&
	    (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
	    strcmp(n->value, "null") == 0 || strcmp(n->value, "Null") == 0 ||
	    strcmp(n->value, "NULL") == 0);
}

/* The value under key in mapping m, or NULL. */
static const struct ynode *
ymap_get(const struct ynode *m, const char *key)
{
	size_t	i;

	if (m == NULL || m->type != YN_MAP)
		return NULL;
	for (i = 0; i < m->n; i++) {
		if (strcmp(m->keys[i]->value, key) == 0)
			return m->items[i];
	}
	return NULL;
}

/* Set the build error (the first one wins). */
static void
ybuild_error(struct ybuild *b, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Set the build error (the first one wins). */
static void
ybuild_error(struct ybuild *b, int line, int col, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *file;

	if (b->error != NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	file = config_clean(b->file);
	xasprintf(&b->error, "%s:%d:%d: %s", file, line, col, msg);
	free(file);
	free(msg);
}

/* Count one more node; 0 while under the limit. */
static int
ybuild_count(struct ybuild *b, const yaml_mark_t *m)
{
	if (++b->nodes <= CONFIG_NODES_MAX)
		return 0;
	ybuild_error(b, (int)m->line + 1, (int)m->column + 1,
	    "too many YAML nodes (more than %d; are aliases repeated?)",
	    CONFIG_NODES_MAX);
	return -1;
}

/* A new node of type at mark m. */
static struct ynode *
ynode_new(struct ybuild *b, enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode	*n = xcalloc(1, sizeof *n);

	n->type = type;
	n->file = b->file;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

/* A deep copy of n (for an alias), or NULL past the node limit. */
static struct ynode *
ynode_copy(struct ybuild *b, const struct ynode *n, const yaml_mark_t *m)
{
	struct ynode	*c;
	size_t		 i;

	if (ybuild_count(b, m) != 0)
		return NULL;
	c = xcalloc(1, sizeof *c);
	*c = *n;
	c->value = n->value != NULL ? xstrdup(n->value) : NULL;
	c->keys = n->nkeys > 0 ? xcalloc(n->nkeys, sizeof *c->keys) : NULL;
	c->items = n->n > 0 ? xcalloc(n->n, sizeof *c->items) : NULL;
	c->nkeys = c->n = 0;
	for (i = 0; i < n->nkeys; i++) {
		if ((c->keys[i] = ynode_copy(b, n->keys[i], m)) == NULL)
			goto fail;
		c->nkeys++;
	}
	for (i = 0; i < n->n; i++) {
		if ((c->items[i] = ynode_copy(b, n->items[i], m)) == NULL)
			goto fail;
		c->n++;
	}
	return c;
fail:
	ynode_free(c);
	return NULL;
}

/* Remember node under anchor (if any); a later anchor of the same name wins. */
static void
ybuild_anchor(struct ybuild *b, const char *anchor, struct ynode *node)
{
	if (anchor == NULL)
		return;
	b->anchors = xreallocarray(b->anchors, b->nanchors + 1,
	    sizeof *b->anchors);
	b->anchors[b->nanchors].name = xstrdup(anchor);
	b->anchors[b->nanchors].node = node;
	b->nanchors++;
}

/* Append p to a node array. */
static void
ynode_push(struct ynode ***v, size_t *n, struct ynode *p)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = p;
}

/* Attach a finished node to the open collection (or make it the root); frees it on error. */
static int
ybuild_add(struct ybuild *b, struct ynode *node)
{
	struct ynode	*p;
	size_t		 i;

	if (b->depth == 0) {
		ynode_free(b->root);
		b->root = node;
		return 0;
	}
	p = b->stack[b->depth - 1];
	if (p->type == YN_SEQ) {
		ynode_push(&p->items, &p->n, node);
		return 0;
	}
	if (p->nkeys > p->n) {
		ynode_push(&p->items, &p->n, node);
		return 0;
	}
	if (node->type != YN_SCALAR) {
		ybuild_error(b, node->line, node->col,
		    "a mapping key must be a string, not a %s",
		    node->type == YN_MAP ? "mapping" : "sequence");
		ynode_free(node);
		return -1;
	}
	for (i = 0; i < p->nkeys; i++) {
		if (strcmp(p->keys[i]->value, node->value) == 0) {
			ybuild_error(b, node->line, node->col,
			    "duplicate key '%s' (first at line %d)",
			    config_show(node->value), p->keys[i]->line);
			ynode_free(node);
			return -1;
		}
	}
	ynode_push(&p->keys, &p->nkeys, node);
	return 0;
}

/* Whether a YAML tag is acceptable: none, "!" or !!str on scalars. */
static int
ybuild_tag_ok(struct ybuild *b, const unsigned char *tag, const yaml_mark_t *m,
    int scalar)
{
	if (tag == NULL)
		return 1;
	if (scalar && (strcmp((const char *)tag, "!") == 0 ||
	    strcmp((const char *)tag, YAML_STR_TAG) == 0))
		return 1;
	if (strncmp((const char *)tag, "tag:yaml.org,2002:", 18) == 0)
		ybuild_error(b, (int)m->line + 1, (int)m->column + 1,
		    "YAML tags are not supported here ('!!%s')",
		    config_show((const char *)tag + 18));
	else
		ybuild_error(b, (int)m->line + 1, (int)m->column + 1,
		    "YAML tags are not supported here ('%s')",
		    config_show((const char *)tag));
	return 0;
}

/* Handle one parser event; -1 on error (b->error is set). */
static int
ybuild_event(struct ybuild *b, const yaml_event_t *ev)
{
	const yaml_mark_t	*m = &ev->start_mark;
	struct ynode		*n;
	size_t			 i;
	const char		*name;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->docs > 1) {
			ybuild_error(b, (int)m->line + 1, (int)m->column + 1,
			    "only one YAML document is allowed in a config file");
			return -1;
		}
		return 0;
	case YAML_SCALAR_EVENT:
		if (!ybuild_tag_ok(b, ev->data.scalar.tag, m, 1) ||
		    ybuild_count(b, m) != 0)
			return -1;
		n = ynode_new(b, YN_SCALAR, m);
		n->value = xstrndup((const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		n->ctrl = config_has_ctrl((const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    ev->data.scalar.tag == NULL;
		ybuild_anchor(b, (const char *)ev->data.scalar.anchor, n);
		return ybuild_add(b, n);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (b->depth == CONFIG_DEPTH_MAX) {
			ybuild_error(b, (int)m->line + 1, (int)m->column + 1,
			    "nested too deeply (more than %d levels)",
			    CONFIG_DEPTH_MAX);
			return -1;
		}
		if (!ybuild_tag_ok(b, ev->type == YAML_SEQUENCE_START_EVENT ?
		    ev->data.sequence_start.tag : ev->data.mapping_start.tag,
		    m, 0) || ybuild_count(b, m) != 0)
			return -1;
		name = (const char *)(ev->type == YAML_SEQUENCE_START_EVENT ?
		    ev->data.sequence_start.anchor :
		    ev->data.mapping_start.anchor);
		b->stack[b->depth] = ynode_new(b,
		    ev->type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP, m);
		b->stack_anchor[b->depth] = name != NULL ? xstrdup(name) : NULL;
		b->depth++;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		n = b->stack[b->depth];
		/* Registered only now, so an alias inside itself is unknown. */
		ybuild_anchor(b, b->stack_anchor[b->depth], n);
		free(b->stack_anchor[b->depth]);
		b->stack_anchor[b->depth] = NULL;
		return ybuild_add(b, n);
	case YAML_ALIAS_EVENT:
		name = (const char *)ev->data.alias.anchor;
		for (i = b->nanchors; i > 0; i--) {
			if (strcmp(b->anchors[i - 1].name, name) == 0)
				break;
		}
		if (i == 0) {
			ybuild_error(b, (int)m->line + 1, (int)m->column + 1,
			    "unknown alias '*%s'", config_show(name));
			return -1;
		}
		if ((n = ynode_copy(b, b->anchors[i - 1].node, m)) == NULL)
			return -1;
		n->line = (int)m->line + 1;
		n->col = (int)m->column + 1;
		return ybuild_add(b, n);
	default:
		return 0;
	}
}

/* Line and column (1-based, in characters) of byte offset off in text. */
static void
ybuild_offset(const struct ybuild *b, size_t off, int *line, int *col)
{
	size_t	i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < b->len; i++) {
		if (b->text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)b->text[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

/* Whether the character at line:col (1-based) of the input is a tab. */
static int
ybuild_tab_at(const struct ybuild *b, int line, int col)
{
	size_t	i = 0;
	int	l = 1, c = 1;

	while (i < b->len && l < line) {
		if (b->text[i++] == '\n')
			l++;
	}
	while (i < b->len && c < col && b->text[i] != '\n') {
		if (((unsigned char)b->text[++i] & 0xc0) != 0x80)
			c++;
	}
	return i < b->len && b->text[i] == '\t';
}

/* Turn libyaml's parser error into b->error. */
static void
ybuild_parser_error(struct ybuild *b, const yaml_parser_t *p)
{
	int		 line, col;
	const char	*problem = p->problem != NULL ? p->problem :
			    "cannot parse YAML";

	line = (int)p->problem_mark.line + 1;
	col = (int)p->problem_mark.column + 1;
	if (p->error != YAML_READER_ERROR && ybuild_tab_at(b, line, col)) {
		ybuild_error(b, line, col, "a tab character: YAML indents "
		    "with spaces only");
		return;
	}

	if (p->error == YAML_READER_ERROR) {
		ybuild_offset(b, p->problem_offset, &line, &col);
		ybuild_error(b, line, col, "%s", config_show(problem));
	} else if (p->context != NULL) {
		ybuild_error(b, (int)p->problem_mark.line + 1,
		    (int)p->problem_mark.column + 1, "%s (%s at line %d)",
		    config_show(problem), config_show(p->context),
		    (int)p->context_mark.line + 1);
	} else {
		ybuild_error(b, (int)p->problem_mark.line + 1,
		    (int)p->problem_mark.column + 1, "%s",
		    config_show(problem));
	}
}

/* Parse text into a tree; *root is NULL for an empty document. */
static int
ytree_parse(const char *text, size_t len, const char *file,
    struct ynode **root, char **error)
{
	struct ybuild	 b;
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	int		 done = 0;
	size_t		 i;

	memset(&b, 0, sizeof b);
	b.file = file;
	b.text = text;
	b.len = len;
	*root = NULL;
	if (!yaml_parser_initialize(&parser)) {
		xasprintf(error, "composed: cannot start the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			ybuild_parser_error(&b, &parser);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		ybuild_event(&b, &ev);
		yaml_event_delete(&ev);
		if (b.error != NULL)
			break;
	}
	yaml_parser_delete(&parser);
	while (b.depth > 0) {
		b.depth--;
		ynode_free(b.stack[b.depth]);
		free(b.stack_anchor[b.depth]);
	}
	for (i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	if (b.error != NULL) {
		ynode_free(b.root);
		*error = b.error;
		return -1;
	}
	*root = b.root;
	return 0;
}

/* Merge over into base: mappings merge key by key, anything else replaces; both are consumed. */
static struct ynode *
ytree_merge(struct ynode *base, struct ynode *over)
{
	size_t	i, j;

	if (base == NULL)
		return over;
	if (over == NULL)
		return base;
	if (base->type == YN_MAP && ynode_null(over)) {
		ynode_free(over);
		return base;
	}
	if (base->type != YN_MAP || over->type != YN_MAP) {
		ynode_free(base);
		return over;
	}
	for (i = 0; i < over->n; i++) {
		for (j = 0; j < base->n; j++) {
			if (strcmp(base->keys[j]->value,
			    over->keys[i]->value) == 0)
				break;
		}
		if (j < base->n) {
			base->items[j] = ytree_merge(base->items[j],
			    over->items[i]);
			/* Errors about this key point at the user's file. */
			ynode_free(base->keys[j]);
			base->keys[j] = over->keys[i];
		} else {
			ynode_push(&base->keys, &base->nkeys, over->keys[i]);
			ynode_push(&base->items, &base->n, over->items[i]);
		}
	}
	base->file = over->file;
	base->line = over->line;
	base->col = over->col;
	free(over->keys);
	free(over->items);
	free(over->value);
	free(over);
	return base;
}

/* ---- small checks ---------------------------------------------------------- */

/* Whether c is an ASCII letter or digit. */
static int
config_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Whether s is alnum-or-first then alnum-or-rest; case 'u' or 'l' forbids the other case. */
static int
config_word(const char *s, const char *first, const char *rest, int kase)
{
	const char	*p;

	if (*s == '\0')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (kase == 'u' && *p >= 'a' && *p <= 'z')
			return 0;
		if (kase == 'l' && *p >= 'A' && *p <= 'Z')
			return 0;
		if (config_alnum((unsigned char)*p))
			continue;
		if (strchr(p == s ? first : rest, *p) == NULL)
			return 0;
	}
	return 1;
}

/* Whether s is a status tag such as DOCKER or CI-CD (not ending in '-'). */
int
config_valid_tag(const char *s)
{
	return strlen(s) <= 32 && config_word(s, "", "_-", 'u') &&
	    s[strlen(s) - 1] != '-';
}

/* Whether s is a compose service name (^[a-zA-Z0-9._-]+$). */
int
config_valid_service(const char *s)
{
	return config_word(s, "._-", "._-", 0);
}

/* Whether s is a name for a chain, environment, skill or signal. */
static int
config_valid_name(const char *s)
{
	return strlen(s) <= 64 && config_word(s, "", "_.-", 0);
}

/* Whether s looks like a tmux target: %N, or session:window.pane and friends. */
static int
config_valid_target(const char *s)
{
	const char	*p;

	if (*s == '%') {
		for (p = s + 1; *p >= '0' && *p <= '9'; p++)
			;
		return p > s + 1 && *p == '\0';
	}
	return *s != '-' && config_word(s, "_.:@$={}+~^!/",
	    "_.:@$={}+~^!/-%", 0);
}

/* Whether s is a docker context name. */
static int
config_valid_context(const char *s)
{
	return config_word(s, "", "_.+-", 0);
}

/* Whether s may be a user name on the ssh command line. */
static int
config_valid_user(const char *s)
{
	return strlen(s) <= 32 && config_word(s, "_", "_.-", 0);
}

/* Whether s is a DOCKER_HOST value: unix://, tcp://, ssh://, npipe:// or fd://. */
static int
config_valid_docker_host(const char *s)
{
	static const char *const schemes[] = { "unix://", "tcp://", "ssh://",
	    "npipe://", "fd://", NULL };
	const char	*p;
	size_t		 i;

	for (p = s; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t')
			return 0;
	}
	for (i = 0; schemes[i] != NULL; i++) {
		if (strncmp(s, schemes[i], strlen(schemes[i])) == 0)
			return s[strlen(schemes[i])] != '\0' ||
			    strcmp(schemes[i], "fd://") == 0;
	}
	return 0;
}

/* Edit distance (with transpositions) between a and b, ignoring ASCII case. */
static size_t
config_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, *d, r, cost;

	if (la > 64 || lb > 64)
		return 99;
	d = xcalloc((la + 1) * (lb + 1), sizeof *d);
#define D(x, y) d[(x) * (lb + 1) + (y)]
	for (i = 0; i <= la; i++)
		D(i, 0) = i;
	for (j = 0; j <= lb; j++)
		D(0, j) = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = strncasecmp(a + i - 1, b + j - 1, 1) != 0;
			r = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < r)
				r = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < r)
				r = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < r)
				r = D(i - 2, j - 2) + 1;
			D(i, j) = r;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

/* The candidate closest to s if it is a plausible typo, else NULL. */
static const char *
config_suggest(const char *s, const char *const *cand, size_t ncand)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = 99, limit;

	for (i = 0; i < ncand; i++) {
		d = config_distance(s, cand[i]);
		if (d < bestd) {
			bestd = d;
			best = cand[i];
		}
	}
	if (best == NULL)
		return NULL;
	limit = strlen(s) < strlen(best) ? strlen(s) : strlen(best);
	limit = limit <= 2 ? 0 : limit <= 4 ? 1 : limit <= 7 ? 2 : 3;
	/* A difference of case alone is always worth a hint. */
	return bestd <= limit || strcasecmp(s, best) == 0 ? best : NULL;
}

/* Parse a duration: 500ms, 10s, 5m, 1h, 1m30s, or a bare number of milliseconds. */
int
config_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t	total = 0, n, unit;
	const char	*p = s;
	int		digits;

	if (*s == '\0')
		return -1;
	if (strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 15)
			return -1;
		*ms = strtoull(s, NULL, 10);
		return 0;
	}
	while (*p != '\0') {
		n = 0;
		for (digits = 0; *p >= '0' && *p <= '9'; p++, digits++) {
			if (digits >= 15)
				return -1;
			n = n * 10 + (uint64_t)(*p - '0');
		}
		if (digits == 0)
			return -1;
		if (strncmp(p, "ms", 2) == 0) {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else if (*p == 'm') {
			unit = 60 * 1000;
			p++;
		} else if (*p == 'h') {
			unit = 3600 * 1000;
			p++;
		} else
			return -1;
		if (n > UINT64_MAX / 4 / unit)
			return -1;
		total += n * unit;
		if (total > UINT64_MAX / 4)
			return -1;
	}
	*ms = total;
	return 0;
}

/* A duration as config_parse_duration reads it back: 1h, 1m30s, 500ms, 0ms (caller frees). */
char *
config_format_duration(uint64_t ms)
{
	char		buf[96];
	size_t		off = 0;
	uint64_t	h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60,
			r = ms % 1000;

	buf[0] = '\0';
	if (h > 0)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%lluh",
		    (unsigned long long)h);
	if (m > 0)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%llum",
		    (unsigned long long)m);
	if (s > 0)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%llus",
		    (unsigned long long)s);
	if (r > 0 || off == 0)
		snprintf(buf + off, sizeof buf - off, "%llums",
		    (unsigned long long)r);
	return xstrdup(buf);
}

/* Variables an outgoing template may use. */
static const char *const config_vars[] = { "tag", "services", "service", "env",
    "details", "image", "size", "layers", "from", "subject", "payload", "step",
    "healthy", "total" };

/* Check a template's {variables} and braces ({{ }} are literal); NULL if fine, else why (caller frees). */
static char *
config_template_check(const char *t)
{
	const char	*p, *end;
	char		*name, *why;
	const char	*near;
	size_t		 i, nvars = sizeof config_vars / sizeof config_vars[0];

	for (p = t; *p != '\0'; p++) {
		/* {{ and }} are literal braces, as text_expand() reads them. */
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p++;
			continue;
		}
		if (*p == '}') {
			xasprintf(&why, "unbalanced '}' at character %d",
			    (int)(p - t) + 1);
			return why;
		}
		if (*p != '{')
			continue;
		end = strpbrk(p + 1, "{}");
		if (end == NULL || *end == '{') {
			xasprintf(&why, "unbalanced '{' at character %d",
			    (int)(p - t) + 1);
			return why;
		}
		name = xstrndup(p + 1, (size_t)(end - p - 1));
		for (i = 0; i < nvars; i++) {
			if (strcmp(name, config_vars[i]) == 0)
				break;
		}
		if (i == nvars) {
			near = config_suggest(name, config_vars, nvars);
			if (near != NULL)
				xasprintf(&why, "unknown variable '{%s}' (did "
				    "you mean '{%s}'?)", config_show(name),
				    near);
			else
				xasprintf(&why, "unknown variable '{%s}' (known: "
				    "{tag} {services} {service} {env} {details} "
				    "{image} {size} {layers} {from} {subject} "
				    "{payload} {step} {healthy} {total})",
				    config_show(name));
			free(name);
			return why;
		}
		free(name);
		p = end;
	}
	return NULL;
}

/* ---- tree -> struct -------------------------------------------------------- */

/* One error found while converting. */
struct conv_err {
	const char	*file;		/* where */
	int		 line, col;
	size_t		 seq;		/* order found, to keep the sort stable */
	char		*text;		/* FILE:LINE:COL: message */
};

/* State while converting the merged tree. */
struct conv {
	struct config		*cfg;		/* being filled */
	const struct ynode	*root;		/* merged tree */
	struct conv_err		*errors;	/* errors found so far */
	size_t			 nerrors;
};

/* Record an error at node at. */
static void
conv_error(struct conv *cv, const struct ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record an error at node at. */
static void
conv_error(struct conv *cv, const struct ynode *at, const char *fmt, ...)
{
	va_list		 ap;
	char		*msg, *file;
	struct conv_err	*e;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	cv->errors = xreallocarray(cv->errors, cv->nerrors + 1,
	    sizeof *cv->errors);
	e = &cv->errors[cv->nerrors];
	e->file = at->file;
	e->line = at->line;
	e->col = at->col;
	e->seq = cv->nerrors++;
	file = config_clean(at->file);
	xasprintf(&e->text, "%s:%d:%d: %s", file, at->line, at->col, msg);
	free(file);
	free(msg);
}

/* Order errors by file (the defaults last), line, column, then as found. */
static int
conv_err_cmp(const void *a, const void *b)
{
	const struct conv_err	*x = a, *y = b;
	int			 r;

	if ((r = (strcmp(x->file, "<defaults>") == 0) -
	    (strcmp(y->file, "<defaults>") == 0)) != 0)
		return r;
	if ((r = strcmp(x->file, y->file)) != 0)
		return r;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* All errors as one string, sorted, at most CONFIG_ERRORS_MAX lines; frees them. */
static char *
conv_errors(struct conv *cv)
{
	struct strv	 sv = { NULL, 0 };
	char		*out, *tail;
	size_t		 i;

	qsort(cv->errors, cv->nerrors, sizeof *cv->errors, conv_err_cmp);
	for (i = 0; i < cv->nerrors; i++) {
		if (i < CONFIG_ERRORS_MAX)
			strv_add(&sv, cv->errors[i].text);
		free(cv->errors[i].text);
	}
	free(cv->errors);
	out = strv_join(&sv, "\n");
	strv_free(&sv);
	if (cv->nerrors > CONFIG_ERRORS_MAX) {
		xasprintf(&tail, "%s\n(%zu more errors not shown)", out,
		    cv->nerrors - CONFIG_ERRORS_MAX);
		free(out);
		out = tail;
	}
	return out;
}

/* What a node is, for "expected X, got Y". */
static const char *
conv_what(const struct ynode *n)
{
	static char	buf[CONFIG_SHOW_MAX + 16];

	if (n->type == YN_MAP)
		return "a mapping";
	if (n->type == YN_SEQ)
		return "a sequence";
	if (ynode_null(n))
		return "nothing";
	snprintf(buf, sizeof buf, "'%s'", config_show(n->value));
	return buf;
}

/* A child path: "parent.key" (or "key" at the top). */
static char *
conv_path(const char *parent, const char *key)
{
	char	*p;

	if (parent == NULL || *parent == '\0')
		return xstrdup(key);
	xasprintf(&p, "%s.%s", parent, key);
	return p;
}

/* A list item path: "parent[i]" (1-based). */
static char *
conv_item(const char *parent, size_t i)
{
	char	*p;

	xasprintf(&p, "%s[%zu]", parent, i + 1);
	return p;
}

/* Check n is a mapping (nothing counts as empty) whose keys are all allowed; -1 if not a mapping. */
static int
conv_keys(struct conv *cv, const struct ynode *n, const char *path,
    const char *const *allowed)
{
	size_t		 i, j, nallowed;
	const char	*near;
	char		*list, *tmp;

	if (n == NULL || ynode_null(n))
		return 0;
	if (n->type != YN_MAP) {
		conv_error(cv, n, "%s: expected a mapping, got %s",
		    path != NULL ? path : "the config", conv_what(n));
		return -1;
	}
	for (nallowed = 0; allowed[nallowed] != NULL; nallowed++)
		;
	for (i = 0; i < n->n; i++) {
		for (j = 0; j < nallowed; j++) {
			if (strcmp(n->keys[i]->value, allowed[j]) == 0)
				break;
		}
		if (j < nallowed)
			continue;
		near = config_suggest(n->keys[i]->value, allowed, nallowed);
		if (near != NULL) {
			conv_error(cv, n->keys[i],
			    "unknown key '%s' %s%s (did you mean '%s'?)",
			    config_show(n->keys[i]->value),
			    path != NULL ? "in " : "at top level",
			    path != NULL ? path : "", near);
			continue;
		}
		list = xstrdup(allowed[0]);
		for (j = 1; j < nallowed; j++) {
			xasprintf(&tmp, "%s, %s", list, allowed[j]);
			free(list);
			list = tmp;
		}
		conv_error(cv, n->keys[i], "unknown key '%s' %s%s (expected "
		    "one of: %s)", config_show(n->keys[i]->value),
		    path != NULL ? "in " : "at top level",
		    path != NULL ? path : "", list);
		free(list);
	}
	return 0;
}

/* Read a string (nothing = ""); -1 and an error if it is not a clean scalar. */
static int
conv_string(struct conv *cv, const struct ynode *n, const char *path,
    char **out)
{
	if (n == NULL)
		return 1;
	if (ynode_null(n)) {
		free(*out);
		*out = xstrdup("");
		return 0;
	}
	if (n->type != YN_SCALAR) {
		conv_error(cv, n, "%s: expected a string, got %s", path,
		    conv_what(n));
		return -1;
	}
	if (n->ctrl) {
		conv_error(cv, n, "%s: control characters are not allowed "
		    "('%s')", path, config_show(n->value));
		return -1;
	}
	free(*out);
	*out = xstrdup(n->value);
	return 0;
}

/* Read a string that must pass ok() (or be "" when empty_ok); what describes a valid one. */
static int
conv_checked(struct conv *cv, const struct ynode *n, const char *path,
    char **out, int (*ok)(const char *), int empty_ok, const char *what)
{
	char	*s = NULL;
	int	 r;

	if ((r = conv_string(cv, n, path, &s)) != 0) {
		free(s);
		return r;
	}
	if ((*s == '\0' && !empty_ok) || (*s != '\0' && !ok(s))) {
		conv_error(cv, n, "%s: '%s' is not %s", path, config_show(s),
		    what);
		free(s);
		return -1;
	}
	free(*out);
	*out = s;
	return 0;
}

/* Read a boolean (true or false, unquoted). */
static int
conv_bool(struct conv *cv, const struct ynode *n, const char *path, int *out)
{
	if (n == NULL)
		return 1;
	if (n->type == YN_SCALAR && n->plain) {
		if (strcasecmp(n->value, "true") == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(n->value, "false") == 0) {
			*out = 0;
			return 0;
		}
	}
	if (n->type == YN_SCALAR && !n->plain)
		conv_error(cv, n, "%s: expected a boolean (true or false, "
		    "without quotes), got the string %s", path, conv_what(n));
	else
		conv_error(cv, n, "%s: expected a boolean (true or false), "
		    "got %s", path, conv_what(n));
	return -1;
}

/* Read a whole number in [min, max] (unquoted). */
static int
conv_number(struct conv *cv, const struct ynode *n, const char *path,
    unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long	v;

	if (n == NULL)
		return 1;
	if (n->type != YN_SCALAR || !n->plain || n->value[0] == '\0' ||
	    strspn(n->value, "0123456789") != strlen(n->value) ||
	    strlen(n->value) > 9) {
		if (n->type == YN_SCALAR && n->value[0] == '-')
			conv_error(cv, n, "%s: must not be negative, got %s",
			    path, conv_what(n));
		else if (n->type == YN_SCALAR && !n->plain)
			conv_error(cv, n, "%s: expected a number (without "
			    "quotes), got the string %s", path, conv_what(n));
		else
			conv_error(cv, n, "%s: expected a number, got %s",
			    path, conv_what(n));
		return -1;
	}
	v = strtoul(n->value, NULL, 10);
	if (v < min || v > max) {
		conv_error(cv, n, "%s: must be between %lu and %lu, got %lu",
		    path, min, max, v);
		return -1;
	}
	*out = v;
	return 0;
}

/* Read a duration; zero_ok allows 0. */
static int
conv_duration(struct conv *cv, const struct ynode *n, const char *path,
    int zero_ok, uint64_t *out)
{
	uint64_t	v;

	if (n == NULL)
		return 1;
	if (n->type != YN_SCALAR || n->ctrl ||
	    config_parse_duration(n->value, &v) != 0) {
		if (n->type == YN_SCALAR && n->value[0] == '-')
			conv_error(cv, n, "%s: must not be negative, got %s",
			    path, conv_what(n));
		else
			conv_error(cv, n, "%s: expected a duration such as "
			    "500ms, 10s, 5m or 1h (a bare number is "
			    "milliseconds), got %s", path, conv_what(n));
		return -1;
	}
	if (v == 0 && !zero_ok) {
		conv_error(cv, n, "%s: must be greater than zero", path);
		return -1;
	}
	if (v > CONFIG_DURATION_MAX) {
		conv_error(cv, n, "%s: must be at most 720h", path);
		return -1;
	}
	*out = v;
	return 0;
}

/* Read a list of strings that pass ok() (nothing = empty); scalar_ok takes one string as a list. */
static int
conv_list(struct conv *cv, const struct ynode *n, const char *path,
    struct strv *out, int (*ok)(const char *), const char *what,
    int scalar_ok)
{
	struct strv	 sv = { NULL, 0 };
	const struct ynode *it;
	size_t		 i, count;
	int		 bad = 0;

	if (n == NULL)
		return 1;
	if (!ynode_null(n) && n->type != YN_SEQ &&
	    !(scalar_ok && n->type == YN_SCALAR)) {
		conv_error(cv, n, "%s: expected a sequence%s, got %s", path,
		    scalar_ok ? " or a string" : "", conv_what(n));
		return -1;
	}
	count = ynode_null(n) ? 0 : n->type == YN_SEQ ? n->n : 1;
	for (i = 0; i < count; i++) {
		it = n->type == YN_SEQ ? n->items[i] : n;
		if (it->type != YN_SCALAR || ynode_null(it)) {
			conv_error(cv, it, "%s: expected a string, got %s",
			    path, conv_what(it));
			bad = 1;
		} else if (it->ctrl || !ok(it->value)) {
			conv_error(cv, it, "%s: '%s' is not %s", path,
			    config_show(it->value), what);
			bad = 1;
		} else
			strv_add(&sv, it->value);
	}
	if (bad) {
		strv_free(&sv);
		return -1;
	}
	strv_free(out);
	*out = sv;
	return 0;
}

/* Whether s is any non-empty string. */
static int
config_any(const char *s)
{
	return *s != '\0';
}

/* Whether s is a compose option (starts with '-'). */
static int
config_valid_arg(const char *s)
{
	return s[0] == '-' && s[1] != '\0';
}

/* Whether s is a service name or the {services}/{service} placeholder (the trigger's subject). */
static int
config_valid_step_service(const char *s)
{
	return config_valid_service(s) || strcmp(s, "{services}") == 0 ||
	    strcmp(s, "{service}") == 0;
}

/* Whether s is a compose project name. */
static int
config_valid_project(const char *s)
{
	return config_word(s, "", "_-", 'l');
}

/* Whether s is a compose profile name. */
static int
config_valid_profile(const char *s)
{
	return config_word(s, "", "_.-", 0);
}

/* Whether s is a tmux session name (no ':' or '.', which tmux forbids). */
static int
config_valid_session(const char *s)
{
	return strpbrk(s, ":.\t") == NULL && *s != '-' && *s != ' ';
}

/* Whether s is a signal name as the bus parser reads one: [A-Z][A-Z0-9_]*, at most 64. */
static int
config_valid_signal_name(const char *s)
{
	return *s >= 'A' && *s <= 'Z' && strlen(s) <= 64 &&
	    config_word(s, "", "_", 'u');
}

/* Whether s is an fnmatch pattern for host names (no blanks, no leading '-'). */
static int
config_valid_pattern(const char *s)
{
	return *s != '-' && strpbrk(s, " \t'\"") == NULL;
}

/* Whether s is a bus tag or skill name, as `from` and skills use (not ending in '-' or '.'). */
static int
config_valid_from(const char *s)
{
	return config_valid_name(s) && s[strlen(s) - 1] != '-' &&
	    s[strlen(s) - 1] != '.';
}

/* Keys of mapping m as an array (for suggestions; caller frees the array). */
static const char **
conv_keylist(const struct ynode *m, size_t *n)
{
	const char	**v;
	size_t		  i;

	*n = 0;
	if (m == NULL || m->type != YN_MAP)
		return NULL;
	v = xcalloc(m->n + 1, sizeof *v);
	for (i = 0; i < m->n; i++)
		v[i] = m->keys[i]->value;
	*n = m->n;
	return v;
}

/* Check that name is a key of section (cross-reference); error at n if not. */
static int
conv_ref(struct conv *cv, const struct ynode *n, const char *path,
    const char *section, const char *name)
{
	const struct ynode	*m = ymap_get(cv->root, section);
	const char		**keys, *near;
	size_t			  nkeys;

	if (m == NULL || (m->type != YN_MAP && !ynode_null(m)))
		return 0;	/* the section's own error says it all */
	if (ymap_get(m, name) != NULL)
		return 0;
	keys = conv_keylist(m, &nkeys);
	near = config_suggest(name, keys, nkeys);
	if (near != NULL)
		conv_error(cv, n, "%s: there is no %s.%s (did you mean '%s'?)",
		    path, section, config_show(name), near);
	else
		conv_error(cv, n, "%s: there is no %s.%s", path, section,
		    config_show(name));
	free(keys);
	return -1;
}

/* Check that from names a skill or one of its tags (any case); error at n if not. */
static int
conv_from_ref(struct conv *cv, const struct ynode *n, const char *path,
    const char *from)
{
	const struct ynode	*m = ymap_get(cv->root, "skills"), *tags;
	const char		**names, *near;
	size_t			  i, j, count = 0;
	int			  r = -1;

	if (m == NULL || m->type != YN_MAP)
		return 0;	/* the section's own error says it all */
	names = xcalloc(1, sizeof *names);
	for (i = 0; i < m->n; i++) {
		tags = m->items[i];
		names = xreallocarray(names, count + 2 +
		    (tags->type == YN_SEQ ? tags->n : 0), sizeof *names);
		names[count++] = m->keys[i]->value;
		for (j = 0; tags->type == YN_SEQ && j < tags->n; j++) {
			if (tags->items[j]->type == YN_SCALAR)
				names[count++] = tags->items[j]->value;
		}
	}
	for (i = 0; i < count; i++) {
		if (strcasecmp(names[i], from) == 0)
			r = 0;
	}
	if (r != 0) {
		near = config_suggest(from, names, count);
		conv_error(cv, n, "%s: '%s' is neither a skill nor a tag in "
		    "skills%s%s%s", path, config_show(from),
		    near != NULL ? " (did you mean '" : " (add it to skills)",
		    near != NULL ? near : "", near != NULL ? "'?)" : "");
	}
	free(names);
	return r;
}

/* Convert agent:. */
static void
conv_agent(struct conv *cv, const struct ynode *n)
{
	static const char *const keys[] = { "name", "bus", "session",
	    "send_delay", "queue_max", NULL };
	struct config_agent	*a = &cv->cfg->agent;
	unsigned long		 v;

	if (conv_keys(cv, n, "agent", keys) != 0)
		return;
	conv_checked(cv, ymap_get(n, "name"), "agent.name", &a->name,
	    config_valid_tag, 0, "a valid tag (capital letters and digits, "
	    "with '_' or '-' inside, e.g. DOCKER or CI-CD)");
	conv_checked(cv, ymap_get(n, "bus"), "agent.bus", &a->bus,
	    config_valid_target, 0, "a tmux target such as %1 or "
	    "session:window.pane");
	conv_checked(cv, ymap_get(n, "session"), "agent.session", &a->session,
	    config_valid_session, 1, "a tmux session name (no ':' or '.')");
	conv_duration(cv, ymap_get(n, "send_delay"), "agent.send_delay", 1,
	    &a->send_delay_ms);
	if (a->send_delay_ms > 60000) {
		conv_error(cv, ymap_get(n, "send_delay"),
		    "agent.send_delay: must be at most 1m");
	}
	if (conv_number(cv, ymap_get(n, "queue_max"), "agent.queue_max", 1,
	    100000, &v) == 0)
		a->queue_max = v;
}

/* Whether s is one of compose's flavors. */
static int
config_valid_flavor(const char *s)
{
	return strcmp(s, "auto") == 0 || strcmp(s, "v2") == 0 ||
	    strcmp(s, "v1") == 0;
}

/* Convert compose:. */
static void
conv_compose(struct conv *cv, const struct ynode *n)
{
	static const char *const keys[] = { "flavor", "files", "project",
	    "directory", "profiles", "env_file", "timeout", NULL };
	struct config_compose	*c = &cv->cfg->compose;

	if (conv_keys(cv, n, "compose", keys) != 0)
		return;
	conv_checked(cv, ymap_get(n, "flavor"), "compose.flavor", &c->flavor,
	    config_valid_flavor, 0, "a compose flavor (auto, v2 or v1)");
	conv_list(cv, ymap_get(n, "files"), "compose.files", &c->files,
	    config_any, "a file name", 0);
	conv_checked(cv, ymap_get(n, "project"), "compose.project", &c->project,
	    config_valid_project, 1, "a compose project name (lowercase "
	    "letters, digits, '_' and '-', starting with a letter or digit)");
	conv_string(cv, ymap_get(n, "directory"), "compose.directory",
	    &c->directory);
	conv_list(cv, ymap_get(n, "profiles"), "compose.profiles", &c->profiles,
	    config_valid_profile, "a compose profile name", 0);
	conv_string(cv, ymap_get(n, "env_file"), "compose.env_file",
	    &c->env_file);
	conv_duration(cv, ymap_get(n, "timeout"), "compose.timeout", 0,
	    &c->timeout_ms);
}

/* Whether mapping key k (of a named map under path) is a valid name; error if not. */
static int
conv_name(struct conv *cv, const struct ynode *k, const char *path,
    int (*ok)(const char *), const char *what)
{
	if (!k->ctrl && ok(k->value))
		return 0;
	conv_error(cv, k, "%s: '%s' is not %s", path, config_show(k->value),
	    what);
	return -1;
}

/* Convert skills:. */
static void
conv_skills(struct conv *cv, const struct ynode *n)
{
	struct config		*cfg = cv->cfg;
	struct config_skill	*sk;
	size_t			 i;
	char			*path;

	if (n == NULL || ynode_null(n))
		return;
	if (n->type != YN_MAP) {
		conv_error(cv, n, "skills: expected a mapping, got %s",
		    conv_what(n));
		return;
	}
	cfg->skills = xcalloc(n->n + 1, sizeof *cfg->skills);
	for (i = 0; i < n->n; i++) {
		path = conv_path("skills", n->keys[i]->value);
		if (conv_name(cv, n->keys[i], "skills", config_valid_name,
		    "a skill name") == 0) {
			sk = &cfg->skills[cfg->nskills++];
			sk->name = xstrdup(n->keys[i]->value);
			conv_list(cv, n->items[i], path, &sk->tags,
			    config_valid_from, "a tag (letters, digits, '_', "
			    "'.' and '-', not ending in '-' or '.')", 0);
		}
		free(path);
	}
}

/* Convert one environments.NAME entry. */
static void
conv_env(struct conv *cv, const struct ynode *k, const struct ynode *n,
    struct config_env *e)
{
	static const char *const keys[] = { "docker_host", "context",
	    "allow_host_from_signal", "host_pattern", "ssh_user", "ready",
	    NULL };
	char			*path = conv_path("environments", k->value);
	char			*sub;
	const struct ynode	*dh, *ctx, *hp, *allow;

	e->name = xstrdup(k->value);
	e->ready = 1;
	if (conv_keys(cv, n, path, keys) != 0)
		goto out;
	dh = ymap_get(n, "docker_host");
	ctx = ymap_get(n, "context");
	hp = ymap_get(n, "host_pattern");
	allow = ymap_get(n, "allow_host_from_signal");
	sub = conv_path(path, "docker_host");
	conv_checked(cv, dh, sub, &e->docker_host, config_valid_docker_host, 0,
	    "a DOCKER_HOST (unix://, tcp://, ssh://, npipe:// or fd://)");
	free(sub);
	sub = conv_path(path, "context");
	conv_checked(cv, ctx, sub, &e->context, config_valid_context, 0,
	    "a docker context name");
	free(sub);
	sub = conv_path(path, "allow_host_from_signal");
	conv_bool(cv, allow, sub, &e->allow_host);
	free(sub);
	sub = conv_path(path, "host_pattern");
	conv_checked(cv, hp, sub, &e->host_pattern, config_valid_pattern, 0,
	    "a host name pattern (no blanks or quotes, no leading '-')");
	free(sub);
	sub = conv_path(path, "ssh_user");
	conv_checked(cv, ymap_get(n, "ssh_user"), sub, &e->ssh_user,
	    config_valid_user, 0, "a user name (letters, digits, '_', '.' "
	    "and '-', not starting with '-')");
	free(sub);
	sub = conv_path(path, "ready");
	conv_bool(cv, ymap_get(n, "ready"), sub, &e->ready);
	free(sub);
	if (dh != NULL && ctx != NULL)
		conv_error(cv, ctx, "%s: set docker_host or context, not both",
		    path);
	else if (dh == NULL && ctx == NULL && !e->allow_host)
		conv_error(cv, n, "%s: needs docker_host or context (or "
		    "allow_host_from_signal: true, to take the host from the "
		    "signal)", path);
	if (hp != NULL && !e->allow_host)
		conv_error(cv, hp, "%s: host_pattern needs "
		    "allow_host_from_signal: true", path);
	else if (e->allow_host && hp == NULL)
		conv_error(cv, allow, "%s: allow_host_from_signal needs a "
		    "host_pattern that the host must match (\"*\" for any)",
		    path);
out:
	free(path);
}

/* Convert environments:. */
static void
conv_envs(struct conv *cv, const struct ynode *n)
{
	struct config	*cfg = cv->cfg;
	size_t		 i;

	if (n == NULL || ynode_null(n))
		return;
	if (n->type != YN_MAP) {
		conv_error(cv, n, "environments: expected a mapping, got %s",
		    conv_what(n));
		return;
	}
	cfg->envs = xcalloc(n->n + 1, sizeof *cfg->envs);
	for (i = 0; i < n->n; i++) {
		if (conv_name(cv, n->keys[i], "environments",
		    config_valid_name, "an environment name (letters, digits, "
		    "'_', '.' and '-')") != 0)
			continue;
		if (strcmp(n->keys[i]->value, "local") == 0) {
			conv_error(cv, n->keys[i], "environments: 'local' is "
			    "reserved for the local engine (env: local)");
			continue;
		}
		conv_env(cv, n->keys[i], n->items[i],
		    &cfg->envs[cfg->nenvs++]);
	}
}

/* Convert signals:. */
static void
conv_signals(struct conv *cv, const struct ynode *n)
{
	struct config		*cfg = cv->cfg;
	struct config_signal	*sg;
	char			*path, *why;
	size_t			 i;

	if (n == NULL || ynode_null(n))
		return;
	if (n->type != YN_MAP) {
		conv_error(cv, n, "signals: expected a mapping, got %s",
		    conv_what(n));
		return;
	}
	cfg->signals = xcalloc(n->n + 1, sizeof *cfg->signals);
	for (i = 0; i < n->n; i++) {
		if (conv_name(cv, n->keys[i], "signals", config_valid_name,
		    "a signal key (letters, digits, '_', '.' and '-')") != 0)
			continue;
		path = conv_path("signals", n->keys[i]->value);
		sg = &cfg->signals[cfg->nsignals++];
		sg->name = xstrdup(n->keys[i]->value);
		sg->text = xstrdup("");
		if (conv_string(cv, n->items[i], path, &sg->text) == 0) {
			if (*sg->text == '\0')
				conv_error(cv, n->items[i], "%s: the template "
				    "is empty", path);
			else if ((why = config_template_check(sg->text))
			    != NULL) {
				conv_error(cv, n->items[i], "%s: %s", path,
				    why);
				free(why);
			}
		}
		free(path);
	}
}

/* Step names, indexed by enum step_kind. */
static const char *const config_steps[] = { "build", "pull", "up", "restart",
    "down", "wait_healthy", "report", "image_metrics" };
#define CONFIG_NSTEPS (sizeof config_steps / sizeof config_steps[0])

/* The name of a step kind, e.g. "wait_healthy". */
const char *
config_step_name(enum step_kind kind)
{
	if ((size_t)kind >= CONFIG_NSTEPS)
		return "?";
	return config_steps[kind];
}

/* The step kind called name, or -1. */
static int
config_step_kind(const char *name)
{
	size_t	i;

	for (i = 0; i < CONFIG_NSTEPS; i++) {
		if (strcmp(name, config_steps[i]) == 0)
			return (int)i;
	}
	return -1;
}

/* Options each step kind takes in its map form, indexed by enum step_kind. */
static const char *const config_step_opts[][7] = {
	[STEP_BUILD] = { "services", "args", "timeout", NULL },
	[STEP_PULL] = { "services", "args", "timeout", NULL },
	[STEP_UP] = { "services", "args", "timeout", "wait", "no_deps",
	    "force_recreate", NULL },
	[STEP_RESTART] = { "services", "timeout", NULL },
	[STEP_DOWN] = { "args", "timeout", NULL },
	[STEP_WAIT_HEALTHY] = { "services", "timeout", NULL },
	[STEP_REPORT] = { NULL },
	[STEP_IMAGE_METRICS] = { "services", NULL },
};

/* Report an unknown step name at n. */
static void
conv_step_unknown(struct conv *cv, const struct ynode *n, const char *path,
    const char *name)
{
	const char	*near = config_suggest(name, config_steps, CONFIG_NSTEPS);

	if (near != NULL)
		conv_error(cv, n, "%s: unknown step '%s' (did you mean '%s'?)",
		    path, config_show(name), near);
	else
		conv_error(cv, n, "%s: unknown step '%s' (steps: build, pull, "
		    "up, restart, down, wait_healthy, report, image_metrics)",
		    path, config_show(name));
}

/* Convert a step's options (v: nothing, a list of services or a mapping). */
static void
conv_step_opts(struct conv *cv, const struct ynode *v, const char *path,
    struct config_step *st)
{
	const char *const	*opts = config_step_opts[st->kind];
	const char		*service_what = "a service name (letters, "
				    "digits, '.', '_' and '-'), {services} or "
				    "{service}";
	char			*sub;

	if (v == NULL || ynode_null(v))
		return;
	if (v->type == YN_SEQ) {
		if (opts[0] == NULL || strcmp(opts[0], "services") != 0) {
			conv_error(cv, v, "%s: expected a mapping of options, "
			    "got a sequence", path);
			return;
		}
		conv_list(cv, v, path, &st->services,
		    config_valid_step_service, service_what, 0);
		return;
	}
	if (v->type != YN_MAP) {
		conv_error(cv, v, "%s: expected a mapping of options%s, got %s",
		    path, strcmp(opts[0] != NULL ? opts[0] : "", "services")
		    == 0 ? " or a list of services" : "", conv_what(v));
		return;
	}
	if (conv_keys(cv, v, path, opts) != 0)
		return;
	sub = conv_path(path, "services");
	conv_list(cv, ymap_get(v, "services"), sub, &st->services,
	    config_valid_step_service, service_what, 0);
	free(sub);
	sub = conv_path(path, "args");
	conv_list(cv, ymap_get(v, "args"), sub, &st->args, config_valid_arg,
	    "a compose option (it must start with '-')", 0);
	free(sub);
	sub = conv_path(path, "timeout");
	conv_duration(cv, ymap_get(v, "timeout"), sub, 0, &st->timeout_ms);
	free(sub);
	sub = conv_path(path, "wait");
	conv_bool(cv, ymap_get(v, "wait"), sub, &st->wait);
	free(sub);
	sub = conv_path(path, "no_deps");
	conv_bool(cv, ymap_get(v, "no_deps"), sub, &st->no_deps);
	free(sub);
	sub = conv_path(path, "force_recreate");
	conv_bool(cv, ymap_get(v, "force_recreate"), sub, &st->force_recreate);
	free(sub);
}

/* Convert one step: a bare name or a single-key mapping; -1 if unusable. */
static int
conv_step(struct conv *cv, const struct ynode *n, const char *path,
    struct config_step *st)
{
	const struct ynode	*k, *v;
	char			*sub;
	int			 kind;

	st->line = n->line;
	st->col = n->col;
	if (n->type == YN_SCALAR && !ynode_null(n)) {
		if ((kind = config_step_kind(n->value)) == -1) {
			conv_step_unknown(cv, n, path, n->value);
			return -1;
		}
		if (kind == STEP_REPORT) {
			conv_error(cv, n, "%s: a report step needs a signal "
			    "(report: NAME, a key of signals)", path);
			return -1;
		}
		st->kind = (enum step_kind)kind;
		return 0;
	}
	if (n->type != YN_MAP || n->n != 1) {
		conv_error(cv, n, "%s: a step is a name (build) or a mapping "
		    "with one key (up: {wait: true}), got %s", path,
		    n->type == YN_MAP ? "a mapping with several keys" :
		    conv_what(n));
		return -1;
	}
	k = n->keys[0];
	v = n->items[0];
	if ((kind = config_step_kind(k->value)) == -1) {
		conv_step_unknown(cv, k, path, k->value);
		return -1;
	}
	st->kind = (enum step_kind)kind;
	if (kind != STEP_REPORT) {
		sub = conv_path(path, k->value);
		conv_step_opts(cv, v, sub, st);
		free(sub);
		return 0;
	}
	sub = conv_path(path, "report");
	if (v->type != YN_SCALAR || ynode_null(v)) {
		conv_error(cv, v, "%s: expected a signal name (a key of "
		    "signals), got %s", sub, conv_what(v));
	} else if (conv_string(cv, v, sub, &st->signal) == 0)
		conv_ref(cv, v, sub, "signals", st->signal);
	free(sub);
	return 0;
}

/* Convert one chains.NAME entry. */
static void
conv_chain(struct conv *cv, const struct ynode *k, const struct ynode *n,
    struct config_chain *ch)
{
	static const char *const keys[] = { "env", "steps", NULL };
	char			*path = conv_path("chains", k->value), *sub;
	const struct ynode	*steps, *env;
	size_t			 i;

	ch->name = xstrdup(k->value);
	if (n == NULL || ynode_null(n) || n->type != YN_MAP) {
		conv_error(cv, n, "%s: expected a mapping with steps (and "
		    "env), got %s", path, conv_what(n));
		goto out;
	}
	if (conv_keys(cv, n, path, keys) != 0)
		goto out;
	env = ymap_get(n, "env");
	sub = conv_path(path, "env");
	if (conv_string(cv, env, sub, &ch->env) == 0) {
		/* "" and local: the local engine; {payload}: the signal says. */
		if (*ch->env == '\0' || strcmp(ch->env, "local") == 0) {
			free(ch->env);
			ch->env = NULL;
		} else if (ch->env[0] == '{' && strcmp(ch->env, "{payload}") != 0)
			conv_error(cv, env, "%s: '%s' cannot choose an environment "
			    "(use local, {payload} or a key of environments)",
			    sub, config_show(ch->env));
		else if (strcmp(ch->env, "{payload}") != 0)
			conv_ref(cv, env, sub, "environments", ch->env);
	}
	free(sub);
	steps = ymap_get(n, "steps");
	sub = conv_path(path, "steps");
	if (steps == NULL || ynode_null(steps) ||
	    (steps->type == YN_SEQ && steps->n == 0)) {
		conv_error(cv, steps != NULL ? steps : n, "%s: a chain needs "
		    "at least one step", steps != NULL ? sub : path);
	} else if (steps->type != YN_SEQ) {
		conv_error(cv, steps, "%s: expected a sequence, got %s", sub,
		    conv_what(steps));
	} else {
		ch->steps = xcalloc(steps->n, sizeof *ch->steps);
		for (i = 0; i < steps->n; i++) {
			char	*item = conv_item(sub, i);

			if (conv_step(cv, steps->items[i], item,
			    &ch->steps[ch->nsteps]) == 0)
				ch->nsteps++;
			else {
				strv_free(&ch->steps[ch->nsteps].services);
				strv_free(&ch->steps[ch->nsteps].args);
				free(ch->steps[ch->nsteps].signal);
				memset(&ch->steps[ch->nsteps], 0,
				    sizeof *ch->steps);
			}
			free(item);
		}
	}
	free(sub);
out:
	free(path);
}

/* Convert chains:. */
static void
conv_chains(struct conv *cv, const struct ynode *n)
{
	struct config	*cfg = cv->cfg;
	size_t		 i;

	if (n == NULL || ynode_null(n))
		return;
	if (n->type != YN_MAP) {
		conv_error(cv, n, "chains: expected a mapping, got %s",
		    conv_what(n));
		return;
	}
	cfg->chains = xcalloc(n->n + 1, sizeof *cfg->chains);
	for (i = 0; i < n->n; i++) {
		if (conv_name(cv, n->keys[i], "chains", config_valid_name,
		    "a chain name (letters, digits, '_', '.' and '-')") != 0)
			continue;
		conv_chain(cv, n->keys[i], n->items[i],
		    &cfg->chains[cfg->nchains++]);
	}
}

/* Convert one trigger; -1 if unusable. */
static int
conv_trigger(struct conv *cv, const struct ynode *n, const char *path,
    struct config_trigger *t)
{
	static const char *const keys[] = { "on", "from", "chain", "action",
	    NULL };
	const struct ynode	*on, *chain, *action;
	char			*sub, *act = NULL;
	int			 r = 0;

	t->line = n->line;
	t->col = n->col;
	if (n->type != YN_MAP) {
		conv_error(cv, n, "%s: expected a mapping (on:, from:, chain: "
		    "or action:), got %s", path, conv_what(n));
		return -1;
	}
	if (conv_keys(cv, n, path, keys) != 0)
		return -1;
	on = ymap_get(n, "on");
	chain = ymap_get(n, "chain");
	action = ymap_get(n, "action");
	sub = conv_path(path, "on");
	if (on == NULL) {
		conv_error(cv, n, "%s: a trigger needs 'on' (a signal name or a "
		    "list of them)", path);
		r = -1;
	} else if (conv_list(cv, on, sub, &t->on, config_valid_signal_name,
	    "a signal name (capital letters, digits and '_', e.g. TESTS_PASS)",
	    1)
	    != 0)
		r = -1;
	else if (t->on.n == 0) {
		conv_error(cv, on, "%s: needs at least one signal name", sub);
		r = -1;
	}
	free(sub);
	sub = conv_path(path, "from");
	if (conv_checked(cv, ymap_get(n, "from"), sub, &t->from,
	    config_valid_from, 1, "a skill name or tag (letters, digits, '_', "
	    "'.' and '-')") == 0) {
		if (*t->from == '\0') {
			free(t->from);
			t->from = NULL;
		} else if (conv_from_ref(cv, ymap_get(n, "from"), sub,
		    t->from) != 0)
			r = -1;
	}
	free(sub);
	if (chain != NULL && action != NULL) {
		conv_error(cv, action, "%s: a trigger has either chain or "
		    "action, not both", path);
		return -1;
	}
	if (chain == NULL && action == NULL) {
		conv_error(cv, n, "%s: a trigger needs chain: NAME or action: "
		    "status|reset", path);
		return -1;
	}
	if (chain != NULL) {
		t->action = ACTION_CHAIN;
		sub = conv_path(path, "chain");
		if (conv_string(cv, chain, sub, &t->chain) != 0)
			r = -1;
		else if (conv_ref(cv, chain, sub, "chains", t->chain) != 0)
			r = -1;
		free(sub);
		return r;
	}
	sub = conv_path(path, "action");
	if (conv_string(cv, action, sub, &act) != 0)
		r = -1;
	else if (strcmp(act, "status") == 0)
		t->action = ACTION_STATUS;
	else if (strcmp(act, "reset") == 0)
		t->action = ACTION_RESET;
	else {
		conv_error(cv, action, "%s: expected status or reset, got '%s'",
		    sub, config_show(act));
		r = -1;
	}
	free(act);
	free(sub);
	return r;
}

/* Free what one trigger holds. */
static void
config_trigger_clear(struct config_trigger *t)
{
	strv_free(&t->on);
	free(t->from);
	free(t->chain);
	memset(t, 0, sizeof *t);
}

/* Convert triggers:. */
static void
conv_triggers(struct conv *cv, const struct ynode *n)
{
	struct config	*cfg = cv->cfg;
	size_t		 i;
	char		*path;

	if (n == NULL || ynode_null(n))
		return;
	if (n->type != YN_SEQ) {
		conv_error(cv, n, "triggers: expected a sequence, got %s",
		    conv_what(n));
		return;
	}
	cfg->triggers = xcalloc(n->n + 1, sizeof *cfg->triggers);
	for (i = 0; i < n->n; i++) {
		path = conv_item("triggers", i);
		if (conv_trigger(cv, n->items[i], path,
		    &cfg->triggers[cfg->ntriggers]) == 0)
			cfg->ntriggers++;
		else
			config_trigger_clear(&cfg->triggers[cfg->ntriggers]);
		free(path);
	}
}

/* Convert health.services:. */
static void
conv_health_services(struct conv *cv, const struct ynode *n)
{
	static const char *const keys[] = { "auto_restart", NULL };
	struct config_health	*h = &cv->cfg->health;
	struct config_service	*s;
	size_t			 i;
	char			*path, *sub;

	if (n == NULL || ynode_null(n))
		return;
	if (n->type != YN_MAP) {
		conv_error(cv, n, "health.services: expected a mapping, got %s",
		    conv_what(n));
		return;
	}
	h->services = xcalloc(n->n + 1, sizeof *h->services);
	for (i = 0; i < n->n; i++) {
		if (conv_name(cv, n->keys[i], "health.services",
		    config_valid_service, "a service name (letters, digits, "
		    "'.', '_' and '-')") != 0)
			continue;
		s = &h->services[h->nservices++];
		s->name = xstrdup(n->keys[i]->value);
		s->auto_restart = h->auto_restart;
		path = conv_path("health.services", n->keys[i]->value);
		if (conv_keys(cv, n->items[i], path, keys) == 0) {
			sub = conv_path(path, "auto_restart");
			conv_bool(cv, ymap_get(n->items[i], "auto_restart"),
			    sub, &s->auto_restart);
			free(sub);
		}
		free(path);
	}
}

/* Convert health:. */
static void
conv_health(struct conv *cv, const struct ynode *n)
{
	static const char *const keys[] = { "auto_restart", "grace", "backoff",
	    "budget", "flapping", "resync", "watch_files", "debounce",
	    "services", NULL };
	static const char *const backoff_keys[] = { "initial", "max",
	    "reset_after", NULL };
	static const char *const budget_keys[] = { "restarts", "window", NULL };
	static const char *const flap_keys[] = { "changes", "window", NULL };
	struct config_health	*h = &cv->cfg->health;
	const struct ynode	*b;
	unsigned long		 v;

	if (conv_keys(cv, n, "health", keys) != 0)
		return;
	conv_bool(cv, ymap_get(n, "auto_restart"), "health.auto_restart",
	    &h->auto_restart);
	conv_duration(cv, ymap_get(n, "grace"), "health.grace", 1,
	    &h->grace_ms);
	b = ymap_get(n, "backoff");
	if (conv_keys(cv, b, "health.backoff", backoff_keys) == 0) {
		conv_duration(cv, ymap_get(b, "initial"),
		    "health.backoff.initial", 0, &h->backoff_initial_ms);
		if (conv_duration(cv, ymap_get(b, "max"), "health.backoff.max",
		    0, &h->backoff_max_ms) == 0 &&
		    h->backoff_max_ms < h->backoff_initial_ms)
			conv_error(cv, ymap_get(b, "max"), "health.backoff.max: "
			    "must not be less than health.backoff.initial");
		conv_duration(cv, ymap_get(b, "reset_after"),
		    "health.backoff.reset_after", 0, &h->backoff_reset_ms);
	}
	b = ymap_get(n, "budget");
	if (conv_keys(cv, b, "health.budget", budget_keys) == 0) {
		if (conv_number(cv, ymap_get(b, "restarts"),
		    "health.budget.restarts", 1, 1000, &v) == 0)
			h->budget_restarts = (unsigned)v;
		conv_duration(cv, ymap_get(b, "window"), "health.budget.window",
		    0, &h->budget_window_ms);
	}
	b = ymap_get(n, "flapping");
	if (conv_keys(cv, b, "health.flapping", flap_keys) == 0) {
		if (conv_number(cv, ymap_get(b, "changes"),
		    "health.flapping.changes", 2, 1000, &v) == 0)
			h->flap_changes = (unsigned)v;
		conv_duration(cv, ymap_get(b, "window"),
		    "health.flapping.window", 0, &h->flap_window_ms);
	}
	conv_duration(cv, ymap_get(n, "resync"), "health.resync", 0,
	    &h->resync_ms);
	conv_bool(cv, ymap_get(n, "watch_files"), "health.watch_files",
	    &h->watch_files);
	conv_duration(cv, ymap_get(n, "debounce"), "health.debounce", 1,
	    &h->debounce_ms);
	conv_health_services(cv, ymap_get(n, "services"));
}

/* A config with every string set (to "") and code defaults for what the tree may lack. */
static struct config *
config_new(const char *source)
{
	struct config	*cfg = xcalloc(1, sizeof *cfg);

	cfg->source = xstrdup(source);
	cfg->agent.name = xstrdup("DOCKER");
	cfg->agent.bus = xstrdup("%1");
	cfg->agent.session = xstrdup("");
	cfg->agent.send_delay_ms = 500;
	cfg->agent.queue_max = 256;
	cfg->compose.flavor = xstrdup("auto");
	cfg->compose.project = xstrdup("");
	cfg->compose.directory = xstrdup("");
	cfg->compose.env_file = xstrdup("");
	cfg->compose.timeout_ms = 600000;
	return cfg;
}

/* Validate the merged tree into a config; NULL and *error on failure. */
static struct config *
config_convert(const struct ynode *root, const char *source, char **error)
{
	static const char *const keys[] = { "agent", "compose", "skills",
	    "environments", "triggers", "chains", "health", "signals", NULL };
	struct conv	 cv;

	memset(&cv, 0, sizeof cv);
	cv.cfg = config_new(source);
	cv.root = root;
	if (conv_keys(&cv, root, NULL, keys) == 0) {
		conv_agent(&cv, ymap_get(root, "agent"));
		conv_compose(&cv, ymap_get(root, "compose"));
		conv_skills(&cv, ymap_get(root, "skills"));
		conv_envs(&cv, ymap_get(root, "environments"));
		conv_signals(&cv, ymap_get(root, "signals"));
		conv_chains(&cv, ymap_get(root, "chains"));
		conv_triggers(&cv, ymap_get(root, "triggers"));
		conv_health(&cv, ymap_get(root, "health"));
	}
	if (cv.nerrors == 0)
		return cv.cfg;
	config_free(cv.cfg);
	*error = conv_errors(&cv);
	return NULL;
}

/* Parse text (named name) over the built-in defaults and convert it. */
static struct config *
config_build(const char *text, size_t len, const char *name, char **error)
{
	struct ynode	*base, *user = NULL;
	struct config	*cfg;
	char		*file;

	*error = NULL;
	if (ytree_parse(config_defaults_yaml, strlen(config_defaults_yaml),
	    "<defaults>", &base, error) != 0)
		return NULL;
	if (text != config_defaults_yaml &&
	    ytree_parse(text, len, name, &user, error) != 0) {
		ynode_free(base);
		return NULL;
	}
	if (user != NULL && user->type != YN_MAP && !ynode_null(user)) {
		file = config_clean(name);
		xasprintf(error, "%s:%d:%d: the config must be a mapping "
		    "(agent:, compose:, ...), got %s", file, user->line,
		    user->col, user->type == YN_SEQ ? "a sequence" :
		    "a string");
		free(file);
		ynode_free(user);
		ynode_free(base);
		return NULL;
	}
	base = ytree_merge(base, user);
	cfg = config_convert(base, name, error);
	ynode_free(base);
	return cfg;
}

/* Load text (named name, e.g. "<defaults>") merged over the built-in defaults. */
struct config *
config_load_string(const char *text, const char *name, char **error)
{
	return config_build(text, strlen(text), name, error);
}

/* Load the file at path merged over the built-in defaults. */
struct config *
config_load(const char *path, char **error)
{
	struct stat	 st;
	char		*buf = NULL, *file;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;
	struct config	*cfg;

	*error = NULL;
	file = config_clean(path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(error, "composed: %s: %s", file, strerror(errno));
		free(file);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		xasprintf(error, "composed: %s: is a directory", file);
		free(file);
		close(fd);
		return NULL;
	}
	buf = xmalloc(CONFIG_FILE_MAX + 2);
	for (;;) {
		n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(error, "composed: %s: %s", file,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			xasprintf(error, "composed: %s: larger than %d bytes",
			    file, CONFIG_FILE_MAX);
			goto fail;
		}
	}
	close(fd);
	free(file);
	buf[len] = '\0';
	cfg = config_build(buf, len, path, error);
	free(buf);
	return cfg;
fail:
	close(fd);
	free(file);
	free(buf);
	return NULL;
}

/* Free a config. */
void
config_free(struct config *cfg)
{
	size_t	i, j;

	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->agent.name);
	free(cfg->agent.bus);
	free(cfg->agent.session);
	free(cfg->compose.flavor);
	strv_free(&cfg->compose.files);
	free(cfg->compose.project);
	free(cfg->compose.directory);
	strv_free(&cfg->compose.profiles);
	free(cfg->compose.env_file);
	for (i = 0; i < cfg->nenvs; i++) {
		free(cfg->envs[i].name);
		free(cfg->envs[i].docker_host);
		free(cfg->envs[i].context);
		free(cfg->envs[i].host_pattern);
		free(cfg->envs[i].ssh_user);
	}
	free(cfg->envs);
	for (i = 0; i < cfg->nskills; i++) {
		free(cfg->skills[i].name);
		strv_free(&cfg->skills[i].tags);
	}
	free(cfg->skills);
	for (i = 0; i < cfg->ntriggers; i++)
		config_trigger_clear(&cfg->triggers[i]);
	free(cfg->triggers);
	for (i = 0; i < cfg->nchains; i++) {
		free(cfg->chains[i].name);
		free(cfg->chains[i].env);
		for (j = 0; j < cfg->chains[i].nsteps; j++) {
			strv_free(&cfg->chains[i].steps[j].services);
			strv_free(&cfg->chains[i].steps[j].args);
			free(cfg->chains[i].steps[j].signal);
		}
		free(cfg->chains[i].steps);
	}
	free(cfg->chains);
	for (i = 0; i < cfg->health.nservices; i++)
		free(cfg->health.services[i].name);
	free(cfg->health.services);
	for (i = 0; i < cfg->nsignals; i++) {
		free(cfg->signals[i].name);
		free(cfg->signals[i].text);
	}
	free(cfg->signals);
	free(cfg);
}

/* Whether path names an existing file. */
static int
config_exists(const char *path)
{
	struct stat	st;

	return stat(path, &st) == 0;
}

/* The config file to use: $COMPOSED_CONFIG, ./composed.yml, the XDG one; NULL = defaults. */
char *
config_find(void)
{
	const char	*env = getenv("COMPOSED_CONFIG");
	const char	*xdg = getenv("XDG_CONFIG_HOME");
	const char	*home = getenv("HOME");
	char		*path;

	if (env != NULL && *env != '\0')
		return xstrdup(env);	/* config_load reports a missing one */
	if (config_exists("composed.yml"))
		return xstrdup("composed.yml");
	if (xdg != NULL && xdg[0] == '/')
		xasprintf(&path, "%s/composed/composed.yml", xdg);
	else if (home != NULL && *home != '\0')
		xasprintf(&path, "%s/.config/composed/composed.yml", home);
	else
		return NULL;
	if (config_exists(path))
		return path;
	free(path);
	return NULL;
}

/* ---- lookups --------------------------------------------------------------- */

/* The template of signals.NAME, or NULL. */
const char *
config_signal(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nsignals; i++) {
		if (strcmp(cfg->signals[i].name, name) == 0)
			return cfg->signals[i].text;
	}
	return NULL;
}

/* chains.NAME, or NULL. */
const struct config_chain *
config_chain(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nchains; i++) {
		if (strcmp(cfg->chains[i].name, name) == 0)
			return &cfg->chains[i];
	}
	return NULL;
}

/* environments.NAME, or NULL. */
const struct config_env *
config_env(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nenvs; i++) {
		if (strcmp(cfg->envs[i].name, name) == 0)
			return &cfg->envs[i];
	}
	return NULL;
}

/* Whether composed may restart service: its health.services entry, else health.auto_restart. */
int
config_service_auto_restart(const struct config *cfg, const char *service)
{
	size_t	i;

	for (i = 0; i < cfg->health.nservices; i++) {
		if (strcmp(cfg->health.services[i].name, service) == 0)
			return cfg->health.services[i].auto_restart;
	}
	return cfg->health.auto_restart;
}

/* ---- dump ------------------------------------------------------------------ */

/* Whether s can be written as a plain YAML scalar, in block and flow context alike. */
static int
dump_plain_ok(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no",
	    "on", "off", "y", "n", "null", "~", NULL };
	size_t	i;

	if (!config_word(s, "_/-", "_/.@+-", 0) || strcmp(s, "-") == 0 ||
	    (s[0] == '-' && s[1] == ' '))
		return 0;
	for (i = 0; words[i] != NULL; i++) {
		if (strcasecmp(s, words[i]) == 0)
			return 0;
	}
	/* Looks like a number: quote it so every YAML reader keeps a string. */
	if (strspn(s, "0123456789.+-eExXoO_") == strlen(s))
		return 0;
	return 1;
}

/* Write s as a YAML scalar: plain when safe, else double-quoted. */
static void
dump_str(FILE *f, const char *s)
{
	const char	*p;

	if (dump_plain_ok(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		if ((unsigned char)*p < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Write a list in flow style: [a, "b c"]. */
static void
dump_list(FILE *f, const struct strv *sv)
{
	size_t	i;

	fputc('[', f);
	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			fputs(", ", f);
		dump_str(f, sv->v[i]);
	}
	fputc(']', f);
}

/* Write a duration. */
static void
dump_duration(FILE *f, uint64_t ms)
{
	char	*s = config_format_duration(ms);

	fputs(s, f);
	free(s);
}

/* Write a boolean. */
static const char *
dump_bool(int b)
{
	return b ? "true" : "false";
}

/* Write one step in its shortest form. */
static void
dump_step(FILE *f, const struct config_step *st)
{
	const char	*name = config_step_name(st->kind);
	const char	*sep = "";

	fputs("      - ", f);
	if (st->kind == STEP_REPORT) {
		fputs("report: ", f);
		dump_str(f, st->signal != NULL ? st->signal : "");
		fputc('\n', f);
		return;
	}
	if (st->args.n == 0 && !st->wait && !st->no_deps &&
	    !st->force_recreate && st->timeout_ms == 0) {
		if (st->services.n == 0)
			fprintf(f, "%s\n", name);
		else {
			fprintf(f, "%s: ", name);
			dump_list(f, &st->services);
			fputc('\n', f);
		}
		return;
	}
	fprintf(f, "%s: {", name);
	if (st->services.n > 0) {
		fputs("services: ", f);
		dump_list(f, &st->services);
		sep = ", ";
	}
	if (st->args.n > 0) {
		fprintf(f, "%sargs: ", sep);
		dump_list(f, &st->args);
		sep = ", ";
	}
	if (st->wait) {
		fprintf(f, "%swait: true", sep);
		sep = ", ";
	}
	if (st->no_deps) {
		fprintf(f, "%sno_deps: true", sep);
		sep = ", ";
	}
	if (st->force_recreate) {
		fprintf(f, "%sforce_recreate: true", sep);
		sep = ", ";
	}
	if (st->timeout_ms > 0) {
		fprintf(f, "%stimeout: ", sep);
		dump_duration(f, st->timeout_ms);
	}
	fputs("}\n", f);
}

/* Write agent: and compose:. */
static void
dump_agent_compose(FILE *f, const struct config *cfg)
{
	fputs("agent:\n  name: ", f);
	dump_str(f, cfg->agent.name);
	fputs("\n  bus: ", f);
	dump_str(f, cfg->agent.bus);
	fputs("\n  session: ", f);
	dump_str(f, cfg->agent.session);
	fputs("\n  send_delay: ", f);
	dump_duration(f, cfg->agent.send_delay_ms);
	fprintf(f, "\n  queue_max: %zu\n\n", cfg->agent.queue_max);

	fputs("compose:\n  flavor: ", f);
	dump_str(f, cfg->compose.flavor);
	fputs("\n  files: ", f);
	dump_list(f, &cfg->compose.files);
	fputs("\n  project: ", f);
	dump_str(f, cfg->compose.project);
	fputs("\n  directory: ", f);
	dump_str(f, cfg->compose.directory);
	fputs("\n  profiles: ", f);
	dump_list(f, &cfg->compose.profiles);
	fputs("\n  env_file: ", f);
	dump_str(f, cfg->compose.env_file);
	fputs("\n  timeout: ", f);
	dump_duration(f, cfg->compose.timeout_ms);
	fputs("\n\n", f);
}

/* Write skills: and environments:. */
static void
dump_skills_envs(FILE *f, const struct config *cfg)
{
	const struct config_env	*e;
	size_t			 i;

	fputs("# Skills of the coordination session and their tags on the "
	    "bus.\nskills:", f);
	if (cfg->nskills == 0)
		fputs(" {}", f);
	fputc('\n', f);
	for (i = 0; i < cfg->nskills; i++) {
		fputs("  ", f);
		dump_str(f, cfg->skills[i].name);
		fputs(": ", f);
		dump_list(f, &cfg->skills[i].tags);
		fputc('\n', f);
	}
	fputs("\n# Remote engines (docker_host or context).\nenvironments:", f);
	if (cfg->nenvs == 0)
		fputs(" {}", f);
	fputc('\n', f);
	for (i = 0; i < cfg->nenvs; i++) {
		e = &cfg->envs[i];
		fputs("  ", f);
		dump_str(f, e->name);
		fputs(":\n", f);
		if (e->docker_host != NULL) {
			fputs("    docker_host: ", f);
			dump_str(f, e->docker_host);
			fputc('\n', f);
		}
		if (e->context != NULL) {
			fputs("    context: ", f);
			dump_str(f, e->context);
			fputc('\n', f);
		}
		fprintf(f, "    allow_host_from_signal: %s\n",
		    dump_bool(e->allow_host));
		if (e->host_pattern != NULL) {
			fputs("    host_pattern: ", f);
			dump_str(f, e->host_pattern);
			fputc('\n', f);
		}
		if (e->ssh_user != NULL) {
			fputs("    ssh_user: ", f);
			dump_str(f, e->ssh_user);
			fputc('\n', f);
		}
		fprintf(f, "    ready: %s\n", dump_bool(e->ready));
	}
	fputc('\n', f);
}

/* Write triggers: and chains:. */
static void
dump_triggers_chains(FILE *f, const struct config *cfg)
{
	const struct config_trigger	*t;
	const struct config_chain	*ch;
	size_t				 i, j;

	fputs("# Incoming signals -> what composed does.\ntriggers:", f);
	if (cfg->ntriggers == 0)
		fputs(" []", f);
	fputc('\n', f);
	for (i = 0; i < cfg->ntriggers; i++) {
		t = &cfg->triggers[i];
		fputs("  - on: ", f);
		if (t->on.n == 1)
			dump_str(f, t->on.v[0]);
		else
			dump_list(f, &t->on);
		fputc('\n', f);
		if (t->from != NULL) {
			fputs("    from: ", f);
			dump_str(f, t->from);
			fputc('\n', f);
		}
		if (t->action == ACTION_CHAIN) {
			fputs("    chain: ", f);
			dump_str(f, t->chain);
			fputc('\n', f);
		} else
			fprintf(f, "    action: %s\n",
			    t->action == ACTION_STATUS ? "status" : "reset");
	}
	fputs("\n# Named step lists.\nchains:", f);
	if (cfg->nchains == 0)
		fputs(" {}", f);
	fputc('\n', f);
	for (i = 0; i < cfg->nchains; i++) {
		ch = &cfg->chains[i];
		fputs("  ", f);
		dump_str(f, ch->name);
		/* env is always written: it keeps a default env from coming back. */
		fputs(":\n    env: ", f);
		dump_str(f, ch->env != NULL ? ch->env : "local");
		fputs("\n    steps:\n", f);
		for (j = 0; j < ch->nsteps; j++)
			dump_step(f, &ch->steps[j]);
	}
	fputc('\n', f);
}

/* Write health: and signals:. */
static void
dump_health_signals(FILE *f, const struct config *cfg)
{
	const struct config_health	*h = &cfg->health;
	size_t				 i;

	fputs("# Watching service health and healing it.\nhealth:\n", f);
	fprintf(f, "  auto_restart: %s\n  grace: ", dump_bool(h->auto_restart));
	dump_duration(f, h->grace_ms);
	fputs("\n  backoff: {initial: ", f);
	dump_duration(f, h->backoff_initial_ms);
	fputs(", max: ", f);
	dump_duration(f, h->backoff_max_ms);
	fputs(", reset_after: ", f);
	dump_duration(f, h->backoff_reset_ms);
	fprintf(f, "}\n  budget: {restarts: %u, window: ", h->budget_restarts);
	dump_duration(f, h->budget_window_ms);
	fprintf(f, "}\n  flapping: {changes: %u, window: ", h->flap_changes);
	dump_duration(f, h->flap_window_ms);
	fputs("}\n  resync: ", f);
	dump_duration(f, h->resync_ms);
	fprintf(f, "\n  watch_files: %s\n  debounce: ",
	    dump_bool(h->watch_files));
	dump_duration(f, h->debounce_ms);
	fputs("\n  services:", f);
	if (h->nservices == 0)
		fputs(" {}", f);
	fputc('\n', f);
	for (i = 0; i < h->nservices; i++) {
		fputs("    ", f);
		dump_str(f, h->services[i].name);
		fprintf(f, ": {auto_restart: %s}\n",
		    dump_bool(h->services[i].auto_restart));
	}
	fputs("\n# Outgoing lines. Variables: {tag} {services} {service} {env} "
	    "{details}\n# {image} {size} {layers} {from} {subject} {payload} "
	    "{step} {healthy} {total}\nsignals:", f);
	if (cfg->nsignals == 0)
		fputs(" {}", f);
	fputc('\n', f);
	for (i = 0; i < cfg->nsignals; i++) {
		fputs("  ", f);
		dump_str(f, cfg->signals[i].name);
		fputs(": ", f);
		dump_str(f, cfg->signals[i].text);
		fputc('\n', f);
	}
}

/* The effective config as YAML that config_load reads back to the same config (caller frees). */
char *
config_dump(const struct config *cfg)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return xstrdup("");
	fputs("# composed effective configuration: the built-in defaults "
	    "merged with the\n# user's file (composed --print-config). "
	    "Reference: composed.yml(5).\n# Durations take ms, s, m or h "
	    "suffixes; a bare number means milliseconds.\n\n", f);
	dump_agent_compose(f, cfg);
	dump_skills_envs(f, cfg);
	dump_triggers_chains(f, cfg);
	dump_health_signals(f, cfg);
	if (fclose(f) != 0 || buf == NULL) {
		free(buf);
		return xstrdup("");
	}
	return buf;
}
