/*
 * cli.h - shared pieces of the ocstat command line: message printing and
 * the commands.  cli/ is the only code that prints to stderr or decides an
 * exit status (0 ok, 1 data/config, 2 usage, 3 system).
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#include "oc_error.h"
#include "pass.h"

/* Prints "ocstat:MESSAGE" (GNU form) and returns the exit code. */
int cli_fail(const oc_error *err);
/* Prints a usage error and the hint; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) OC_PRINTF(2, 3);

/* Parses --max-rejects N or P% into pol. */
int cli_parse_max_rejects(const char *s, reject_policy *pol);

/* Writes buf to path atomically, or to stdout when path is NULL or "-". */
oc_status cli_emit(const char *path, const char *buf, size_t len, oc_error *err);

/* Prints the reject summary "N rows rejected (reason n, ...)" to stderr. */
void cli_reject_summary(const pass_result *res, const char *rejects_path);

int cmd_tabulate(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_audit(int argc, char **argv);

#endif
