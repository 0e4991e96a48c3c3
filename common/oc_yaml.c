/*
 * oc_yaml.c - builds an oc_ynode tree from libyaml's event stream.
 *
 * The event parser is used (not libyaml's own document loader) because it
 * gives us marks for every scalar and lets us refuse aliases and duplicate
 * keys with a position.  Nesting is bounded so hostile input cannot exhaust
 * the stack.
 */
#include "oc_yaml.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "oc_mem.h"

#define MAX_DEPTH 64

void oc_ynode_free(oc_ynode *n)
{
    size_t i;
    if (!n)
        return;
    for (i = 0; i < n->n; i++) {
        if (n->keys)
            oc_ynode_free(n->keys[i]);
        oc_ynode_free(n->vals[i]);
    }
    oc_free(n->keys);
    oc_free(n->vals);
    oc_free(n->str);
    oc_free(n);
}

oc_status oc_yerror(oc_error *err, const oc_ynode *n, const char *name, oc_status code,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (err && err->code == OC_OK)
        oc_error_at(err, name, n ? n->line : 0, n ? n->col : 0);
    return oc_error_set(err, code, "%s", msg);
}

struct parser {
    yaml_parser_t p;
    const char   *name;
    oc_error     *err;
};

static oc_status perr(struct parser *ps, const yaml_mark_t *m, const char *msg)
{
    return oc_yerror(ps->err, &(oc_ynode){ .line = m->line + 1, .col = m->column + 1 },
                     ps->name, OC_ECONFIG, "%s", msg);
}

static oc_status next(struct parser *ps, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&ps->p, ev)) {
        char msg[400];
        int w = snprintf(msg, sizeof msg, "invalid YAML: %s%s%s",
                         ps->p.problem ? ps->p.problem : "syntax error",
                         ps->p.context ? " " : "", ps->p.context ? ps->p.context : "");
        /* libyaml notices a problem where it stops; the construct it was
         * reading may have started earlier: say where */
        if (ps->p.context && w > 0 && (size_t)w < sizeof msg &&
            ps->p.context_mark.line != ps->p.problem_mark.line)
            snprintf(msg + w, sizeof msg - (size_t)w, " (started at line %zu, column %zu)",
                     ps->p.context_mark.line + 1, ps->p.context_mark.column + 1);
        return perr(ps, &ps->p.problem_mark, msg);
    }
    return OC_OK;
}

static oc_ynode *new_node(oc_ykind kind, const yaml_mark_t *m)
{
    oc_ynode *n = oc_calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->line = m->line + 1;
        n->col = m->column + 1;
    }
    return n;
}

static oc_status push(oc_ynode *parent, oc_ynode *key, oc_ynode *val)
{
    oc_ynode **nv = oc_realloc(parent->vals, (parent->n + 1) * sizeof *nv);
    if (!nv)
        return OC_ENOMEM;
    parent->vals = nv;
    if (parent->kind == OC_YMAP) {
        oc_ynode **nk = oc_realloc(parent->keys, (parent->n + 1) * sizeof *nk);
        if (!nk)
            return OC_ENOMEM;
        parent->keys = nk;
        parent->keys[parent->n] = key;
    }
    parent->vals[parent->n] = val;
    parent->n++;
    return OC_OK;
}

static oc_status parse_node(struct parser *ps, yaml_event_t *ev, int depth, oc_ynode **out);

/* Parse the children of a collection whose start event was consumed. */
static oc_status parse_children(struct parser *ps, oc_ynode *coll, int depth)
{
    for (;;) {
        yaml_event_t ev;
        oc_ynode *key = NULL, *val = NULL;
        oc_status st = next(ps, &ev);
        if (st != OC_OK)
            return st;
        if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return OC_OK;
        }
        st = parse_node(ps, &ev, depth + 1, coll->kind == OC_YMAP ? &key : &val);
        yaml_event_delete(&ev);
        if (st != OC_OK)
            return st;
        if (coll->kind == OC_YMAP) {
            if (key->kind != OC_YSCALAR) {
                st = oc_yerror(ps->err, key, ps->name, OC_ECONFIG, "map keys must be scalars");
                oc_ynode_free(key);
                return st;
            }
            if (oc_ymap_get(coll, key->str)) {
                st = oc_yerror(ps->err, key, ps->name, OC_ECONFIG, "duplicate key '%s'", key->str);
                oc_ynode_free(key);
                return st;
            }
            st = next(ps, &ev);
            if (st != OC_OK) {
                oc_ynode_free(key);
                return st;
            }
            st = parse_node(ps, &ev, depth + 1, &val);
            yaml_event_delete(&ev);
            if (st != OC_OK) {
                oc_ynode_free(key);
                return st;
            }
        }
        if (push(coll, key, val) != OC_OK) {
            oc_ynode_free(key);
            oc_ynode_free(val);
            return oc_error_set(ps->err, OC_ENOMEM, "out of memory");
        }
    }
}

static oc_status parse_node(struct parser *ps, yaml_event_t *ev, int depth, oc_ynode **out)
{
    oc_ynode *n;
    oc_status st;
    *out = NULL;
    if (depth > MAX_DEPTH)
        return perr(ps, &ev->start_mark, "nesting too deep");
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n = new_node(OC_YSCALAR, &ev->start_mark);
        if (!n || !(n->str = oc_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length))) {
            oc_ynode_free(n);
            return oc_error_set(ps->err, OC_ENOMEM, "out of memory");
        }
        n->len = ev->data.scalar.length;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        *out = n;
        return OC_OK;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        n = new_node(ev->type == YAML_MAPPING_START_EVENT ? OC_YMAP : OC_YSEQ, &ev->start_mark);
        if (!n)
            return oc_error_set(ps->err, OC_ENOMEM, "out of memory");
        st = parse_children(ps, n, depth);
        if (st != OC_OK) {
            oc_ynode_free(n);
            return st;
        }
        *out = n;
        return OC_OK;
    case YAML_ALIAS_EVENT:
        return perr(ps, &ev->start_mark, "YAML aliases are not supported");
    default:
        return perr(ps, &ev->start_mark, "unexpected YAML event");
    }
}

oc_status oc_yaml_parse(const char *buf, size_t len, const char *name, oc_ynode **root, oc_error *err)
{
    struct parser ps;
    yaml_event_t ev;
    oc_status st;
    int docs = 0;
    *root = NULL;
    ps.name = name;
    ps.err = err;
    if (!yaml_parser_initialize(&ps.p))
        return oc_error_set(err, OC_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&ps.p, (const unsigned char *)buf, len);
    for (;;) {
        st = next(&ps, &ev);
        if (st != OC_OK)
            break;
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type == YAML_DOCUMENT_START_EVENT) {
            if (++docs > 1) {
                st = perr(&ps, &ev.start_mark, "only one YAML document is allowed");
                yaml_event_delete(&ev);
                break;
            }
        } else if (ev.type != YAML_STREAM_START_EVENT && ev.type != YAML_DOCUMENT_END_EVENT) {
            st = parse_node(&ps, &ev, 0, root);
            if (st != OC_OK) {
                yaml_event_delete(&ev);
                break;
            }
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&ps.p);
    if (st == OC_OK && !*root) {
        oc_error_at(err, name, 1, 1);
        st = oc_error_set(err, OC_ECONFIG, "empty configuration file");
    }
    if (st != OC_OK) {
        oc_ynode_free(*root);
        *root = NULL;
    }
    return st;
}

const oc_ynode *oc_ymap_get(const oc_ynode *m, const char *key)
{
    size_t i;
    if (!m || m->kind != OC_YMAP)
        return NULL;
    for (i = 0; i < m->n; i++)
        if (strcmp(m->keys[i]->str, key) == 0)
            return m->vals[i];
    return NULL;
}

int oc_ynode_is_null(const oc_ynode *n)
{
    if (!n)
        return 1;
    if (n->kind != OC_YSCALAR || !n->plain)
        return 0;
    return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
           strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

static const char *kind_name(oc_ykind k)
{
    switch (k) {
    case OC_YSCALAR: return "a scalar";
    case OC_YMAP:    return "a map";
    case OC_YSEQ:    return "a list";
    }
    return "?";
}

oc_status oc_yexpect(const oc_ynode *n, oc_ykind kind, const char *name, const char *what, oc_error *err)
{
    if (n->kind != kind)
        return oc_yerror(err, n, name, OC_ECONFIG, "%s must be %s", what, kind_name(kind));
    return OC_OK;
}

oc_status oc_ycheck_keys(const oc_ynode *m, const char *const *allowed, const char *name, oc_error *err)
{
    size_t i, j;
    for (i = 0; i < m->n; i++) {
        int ok = 0;
        for (j = 0; allowed[j]; j++)
            if (strcmp(m->keys[i]->str, allowed[j]) == 0)
                ok = 1;
        if (!ok)
            return oc_yerror(err, m->keys[i], name, OC_ECONFIG, "unknown key '%s'", m->keys[i]->str);
    }
    return OC_OK;
}

oc_status oc_yint(const oc_ynode *n, const char *name, int64_t *out, oc_error *err)
{
    int r;
    if (n->kind != OC_YSCALAR)
        return oc_yerror(err, n, name, OC_ECONFIG, "expected an integer");
    r = oc_parse_i64(n->str, n->len, out);
    if (r != 0)
        return oc_yerror(err, n, name, OC_ECONFIG, "expected an integer, got '%s'", n->str);
    return OC_OK;
}

oc_status oc_ybool(const oc_ynode *n, const char *name, int *out, oc_error *err)
{
    if (n->kind == OC_YSCALAR) {
        if (!strcmp(n->str, "true") || !strcmp(n->str, "yes") || !strcmp(n->str, "on")) {
            *out = 1;
            return OC_OK;
        }
        if (!strcmp(n->str, "false") || !strcmp(n->str, "no") || !strcmp(n->str, "off")) {
            *out = 0;
            return OC_OK;
        }
    }
    return oc_yerror(err, n, name, OC_ECONFIG, "expected true or false");
}
