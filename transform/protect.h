/*
 * protect.h - the whole protection of one table: secondary suppression by
 * the method the table asks for (t->method; "auto" picks the Gaussian pass
 * of suppress.h for 1-D, 2-D and small 3-D tables, the integral moves of
 * hypercube.h otherwise, and falls back to moves when the Gaussian
 * pattern cannot be repaired), then the audit (audit.h), then, while the
 * audit finds a cell an attacker can pin down (through non-negativity,
 * whole numbers or a singleton's knowledge), a repair: the cheapest
 * published non-empty cell sharing a relation with it is added as a cell
 * to protect (after a few rounds, for the Gaussian pass, an integral move
 * through it), and suppression runs again.
 *
 * Promise: on OC_OK the table passes its audit (or secondary suppression
 * was switched off, and the table says it is unprotected), and t->method
 * names the method that ran.  When repairs run out, OC_EAUDIT names the
 * first failing cells and nothing should be written.
 */
#ifndef PROTECT_H
#define PROTECT_H

#include "audit.h"
#include "oc_error.h"
#include "suppress.h"
#include "table.h"

typedef struct protect_report {
    suppress_stats sup;
    size_t         repairs;       /* cells added by the repair loop */
    size_t         audited;       /* suppressed cells audited */
    size_t         components, largest;
    double         secs_suppress, secs_audit;
} protect_report;

/* "auto", "gauss", "hypercube" -> SDC_AUTO, SDC_GAUSS, SDC_HYPERCUBE; -1 if
 * none of them. */
int protect_method_parse(const char *name);
const char *protect_method_name(int method);

/* secondary: 0 = primary suppression only (no audit: the table is marked
 * unprotected). */
OC_NODISCARD oc_status protect_table(oc_table *t, int secondary, protect_report *rep, oc_error *err);

#endif
