/*
 * linked.h - tables of one release built from the same records, protected
 * as one system.
 *
 * Two tables that share records can be subtracted from each other: a cell
 * safe in each table alone may be recovered from the pair (SDC.md case D:
 * T2(small) - T1(county-1) gives K + N, and N is published).  So the
 * tables are protected together, on their joint table (the "cover"): the
 * cross product of all their dimensions, built from the same records.
 * Each released table is a set of cells of the cover (its own dimensions,
 * the others at their totals), so a cell shared by two tables is one
 * variable.  Cells of the cover no table releases are unknown to the
 * attacker (CELL_FREE) when they hold records, and known to be 0 when they
 * do not (conservative: an empty combination is taken as impossible).
 * Dimensions that code the same variable (AGE bands and child/adult, two
 * hierarchies over regions) form one group in the moves of hypercube.h,
 * so bandings that do not nest are protected together too.
 *
 * Owns: building the cover's statuses from the tables, protecting it
 * (the hypercube method, then the audit of the whole system), and
 * carrying the pattern back; each table is then audited again on its own.
 *
 * Promise: on OC_OK every table passes the audit of the cover (every
 * suppressed cell of every table, against an attacker who sees all of
 * them) and its own; t->linked names the tables protected together.
 */
#ifndef LINKED_H
#define LINKED_H

#include <stddef.h>

#include "oc_error.h"
#include "protect.h"
#include "table.h"

/* cover: the joint table (its dimensions include every table's, with the
 * same codes; totals on).  Its statuses are overwritten. */
OC_NODISCARD oc_status linked_protect(oc_table *cover, oc_table *const *tabs, size_t n, protect_report *rep,
                                      oc_error *err);

#endif
