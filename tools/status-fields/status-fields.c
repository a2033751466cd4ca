/* status-fields: prints the counters of a daemon's status answer from the daemon's own tables
 * (counters.h), so that the man pages and the checks of the documents never list them by
 * hand. Built, not installed.
 *
 *   status-fields --names DAEMON          one counter name a line
 *   status-fields --fill TEMPLATE DAEMON  TEMPLATE with its line "%STATUS_FIELDS%" replaced
 *                                         by the scdoc list of the counters (a man page)
 *
 * Exits 1 if the tables are not valid (a name twice, a name that is not lower_case, no
 * help), 2 for a bad command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzerd.h"
#include "camerad.h"
#include "counters.h"
#include "pubd.h"
#include "roles.h"
#include "saverd.h"

#define S_GROUPS_MAX 8
#define S_MARKER     "%STATUS_FIELDS%"

static size_t
s_camerad(struct cs_counter_group *g)
{
    return camerad_counter_groups(NULL, g);
}

static size_t
s_pubd(struct cs_counter_group *g)
{
    return pubd_counter_groups(NULL, g);
}

static size_t
s_analyzerd(struct cs_counter_group *g)
{
    return analyzerd_counter_groups(NULL, g);
}

static size_t
s_saverd(struct cs_counter_group *g)
{
    return saverd_counter_groups(NULL, g);
}

static size_t (*const s_groups[CS_DAEMON_COUNT])(struct cs_counter_group *) = {
    [CS_DAEMON_CAMERAD] = s_camerad,
    [CS_DAEMON_PUBD] = s_pubd,
    [CS_DAEMON_ANALYZERD] = s_analyzerd,
    [CS_DAEMON_SAVERD] = s_saverd,
};

/* The tables of daemon @name into @tables; returns how many, or 0 (logged) if there is no
 * such daemon or its tables are not valid. */
static size_t
s_tables(const char *name, const struct cs_counter_table **tables)
{
    struct cs_counter_group groups[S_GROUPS_MAX];
    enum cs_daemon_id d;
    char err[256];
    size_t n;

    if (cs_daemon_from_name(name, &d) < 0) {
        (void) fprintf(stderr, "status-fields: no daemon '%s'\n", name);
        return 0;
    }
    n = s_groups[d](groups);
    for (size_t i = 0; i < n; i++)
        tables[i] = groups[i].table;
    if (!cs_counters_valid(tables, n, err, sizeof err)) {
        (void) fprintf(stderr, "status-fields: %s: %s\n", name, err);
        return 0;
    }
    return n;
}

static int
s_fill(const char *template, const struct cs_counter_table **tables, size_t n)
{
    char line[4096];
    FILE *f = fopen(template, "re");
    int r = 0;

    if (!f) {
        (void) fprintf(stderr, "status-fields: cannot read '%s'\n", template);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        if (strcmp(line, S_MARKER "\n") == 0)
            r = r || cs_counters_write_doc(tables, n, stdout) < 0;
        else
            (void) fputs(line, stdout);
    }
    r = r || ferror(f);
    (void) fclose(f);
    return r || fflush(stdout) != 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
    const struct cs_counter_table *tables[S_GROUPS_MAX];
    size_t n;

    if (argc == 3 && strcmp(argv[1], "--names") == 0) {
        n = s_tables(argv[2], tables);
        for (size_t t = 0; t < n; t++)
            for (size_t i = 0; i < tables[t]->n; i++)
                (void) printf("%s\n", tables[t]->rows[i].name);
        return n ? 0 : 1;
    }
    if (argc == 4 && strcmp(argv[1], "--fill") == 0) {
        n = s_tables(argv[3], tables);
        return n ? s_fill(argv[2], tables, n) : 1;
    }
    (void) fprintf(stderr, "Usage: status-fields --names DAEMON\n"
                           "       status-fields --fill TEMPLATE DAEMON\n");
    return 2;
}
