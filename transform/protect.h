/*
 * protect.h - the whole protection of one table: secondary suppression
 * (suppress.h), then the audit (audit.h), then, while the audit finds a
 * cell an attacker can pin down (through non-negativity, whole numbers or
 * a singleton's knowledge, which the linear pass of suppress.h does not
 * see), a repair: the cheapest published non-empty cell sharing a relation
 * with it is added as a cell to protect, and suppression runs again.
 *
 * Promise: on OC_OK the table passes its audit (or secondary suppression
 * was switched off, and the table says it is unprotected).  When repairs
 * run out, OC_EAUDIT names the first failing cells and nothing should be
 * written.
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

/* secondary: 0 = primary suppression only (no audit: the table is marked
 * unprotected). */
OC_NODISCARD oc_status protect_table(oc_table *t, int secondary, protect_report *rep, oc_error *err);

#endif
