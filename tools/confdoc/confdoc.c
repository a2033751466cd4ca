/* confdoc: prints the config key tables as the documents that list them, so that each key's
 * default and meaning are written once, in its owner's keys.c. Built, not installed;
 * tests/check-config-docs compares its output with the committed files and rewrites them with
 * --update (ninja update-config-docs).
 *   confdoc ini       config/camstack.ini, whole
 *   confdoc markdown  the README's table of keys
 *   confdoc scdoc     the sections and keys of camstack.ini(5)
 *   confdoc keys-read DAEMON   the "Keys read" paragraph of the daemon's man page (its
 *                     --help prints the same list, with cs_conf_keys_read()) */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confkey.h"
#include "roles.h"

enum s_format { S_INI, S_MARKDOWN, S_SCDOC };

#define S_TEXT_MAX 4096

/* @text in the markup of @f: `code` stays for markdown, turns bold for scdoc, and loses its
 * backquotes elsewhere. scdoc's * and \ are escaped, and _ where it would start an underline
 * (after anything but a letter or digit). */
static void
s_markup(enum s_format f, const char *text, char *out, size_t size)
{
    size_t n = 0;

    for (const char *s = text; *s && n + 3 < size; s++) {
        if (f == S_SCDOC && *s == '`')
            out[n++] = '*';
        else if (f == S_SCDOC
                 && (*s == '*' || *s == '\\'
                     || (*s == '_' && (s == text || !isalnum((unsigned char) s[-1]))))) {
            out[n++] = '\\';
            out[n++] = *s;
        } else if (f == S_MARKDOWN && *s == '|') {
            out[n++] = '\\';
            out[n++] = '|';
        } else if (f == S_MARKDOWN || *s != '`') {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
}

/* Writes @text (in the source markup) wrapped at @width columns, each line starting with
 * @lead. A `code` span is never broken. */
static void
s_wrap(enum s_format f, const char *text, const char *lead, size_t width)
{
    char word[S_TEXT_MAX], marked[S_TEXT_MAX];
    size_t col = 0;
    const char *s = text;

    while (*s) {
        size_t len = 0;
        bool code = false;

        while (*s == ' ')
            s++;
        while (*s && (code || *s != ' ') && len + 1 < sizeof word) {
            code ^= *s == '`';
            word[len++] = *s++;
        }
        word[len] = '\0';
        if (!len)
            break;
        s_markup(f, word, marked, sizeof marked);
        if (col && col + 1 + strlen(marked) > width) {
            (void) putchar('\n');
            col = 0;
        }
        if (!col)
            col = (size_t) printf("%s", lead) + (lead[0] == '\t' ? 7 : 0);
        else
            col += (size_t) printf(" ");
        col += (size_t) printf("%s", marked);
    }
    if (col)
        (void) putchar('\n');
}

/* @text's paragraphs (separated by '\n') wrapped, with an empty line (@lead without its
 * trailing blank) between them. */
static void
s_paragraphs(enum s_format f, const char *text, const char *lead, size_t width)
{
    char para[S_TEXT_MAX];

    for (const char *s = text; *s;) {
        size_t len = strcspn(s, "\n");

        (void) snprintf(para, sizeof para, "%.*s", (int) len, s);
        if (s != text)
            printf("%.*s\n", (int) strcspn(lead, " "), lead);
        s_wrap(f, para, lead, width);
        s += len + (s[len] == '\n');
    }
}

static bool
s_is_prefix(const struct cs_conf_key *k)
{
    return k->name[strlen(k->name) - 1] == '.';
}

/* The key's name as the documents show it: "control.<name>" for a prefix. */
static const char *
s_doc_name(const struct cs_conf_key *k, char *buf, size_t size)
{
    (void) snprintf(buf, size, "%s%s", k->name, s_is_prefix(k) ? "<name>" : "");
    return buf;
}

/* "1 to 65535" for a ranged key, "" otherwise. */
static const char *
s_range(const struct cs_conf_key *k, char *buf, size_t size)
{
    buf[0] = '\0';
    if (k->type->ranged)
        (void) snprintf(buf, size, "%.15g to %.15g", k->min, k->max);
    return buf;
}

/* The key's meaning: its help, the values it takes and its range; as sentences (@sentences),
 * its further text too, unless @short_form. */
static void
s_meaning(const struct cs_conf_key *k, bool sentences, bool short_form, char *out, size_t size)
{
    char choices[512] = "", range[64];
    size_t n;

    if (k->type->choices)
        k->type->choices(choices, sizeof choices);
    s_range(k, range, sizeof range);
    n = (size_t) snprintf(out, size, "%s%s%s%s%s", k->help, choices[0] ? ": " : "", choices,
                          range[0] ? (sentences ? ". From " : "; ") : "", range);
    if (sentences && n + 1 < size)
        (void) snprintf(out + n, size - n, ".%s%s", k->more && !short_form ? " " : "",
                        k->more && !short_form ? k->more : "");
}

/* ---- config/camstack.ini ---- */

static const char s_ini_header[] =
    "camstack.ini: the one configuration file of camstack's four daemons and camstackctl. "
    "Every key is listed with its default; a key left out takes that default, and a key "
    "commented out here has a default derived from others. Unknown sections or keys, "
    "duplicate keys, empty values and bad numbers are errors that name the file and the "
    "line, and the daemons then exit with status 78 (EX_CONFIG). Check a file with `pubd "
    "--check-config --config FILE`, which prints the values in effect. Relative paths are "
    "taken from this file's directory. A line holds at most 198 characters, comments "
    "included.";

static void
s_print_ini(void)
{
    char text[S_TEXT_MAX];

    s_wrap(S_INI, s_ini_header, "# ", 90);
    printf("# This file is generated from the key tables (ninja update-config-docs).\n");
    for (size_t i = 0; cs_conf_sections[i]; i++) {
        const struct cs_conf_section *sec = cs_conf_sections[i];

        printf("\n[%s]\n", sec->name);
        if (sec->help) {
            s_paragraphs(S_INI, sec->help, "# ", 90);
            printf("\n");
        }
        for (size_t j = 0; j < sec->n_keys; j++) {
            const struct cs_conf_key *k = &sec->keys[j];
            char unset[256];

            s_meaning(k, true, false, text, sizeof text);
            if (!k->def) {
                s_markup(S_INI, k->unset, unset, sizeof unset);
                (void) snprintf(text + strlen(text), sizeof text - strlen(text), " Default: %s.",
                                unset);
            }
            s_wrap(S_INI, text, "# ", 90);
            if (k->def)
                printf("%s = %s\n", k->name, k->def);
            else if (s_is_prefix(k))
                printf("#%s%s\n", k->name, k->example);
            else
                printf("#%s = %s\n", k->name, k->example);
        }
    }
}

/* ---- the README's table ---- */

static void
s_print_markdown(void)
{
    char text[S_TEXT_MAX], marked[S_TEXT_MAX], name[128];

    printf("| section | key | default | meaning |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; cs_conf_sections[i]; i++) {
        const struct cs_conf_section *sec = cs_conf_sections[i];

        for (size_t j = 0; j < sec->n_keys; j++) {
            const struct cs_conf_key *k = &sec->keys[j];

            s_meaning(k, false, true, text, sizeof text);
            s_markup(S_MARKDOWN, text, marked, sizeof marked);
            printf("| %s%s%s | `%s` | ", j ? "" : "`[", j ? "" : sec->name, j ? "" : "]`",
                   s_doc_name(k, name, sizeof name));
            if (k->def)
                printf("`%s`", k->def);
            else
                printf("%s", k->unset);
            printf(" | %s |\n", marked);
        }
    }
}

/* ---- camstack.ini(5) ---- */

static void
s_print_scdoc(void)
{
    char text[S_TEXT_MAX], marked[S_TEXT_MAX], plain[S_TEXT_MAX], name[128];

    for (size_t i = 0; cs_conf_sections[i]; i++) {
        const struct cs_conf_section *sec = cs_conf_sections[i];

        printf("%s# [%s]\n\n", i ? "\n" : "", sec->name);
        if (sec->help) {
            s_paragraphs(S_SCDOC, sec->help, "", 80);
            printf("\n");
        }
        for (size_t j = 0; j < sec->n_keys; j++) {
            const struct cs_conf_key *k = &sec->keys[j];

            s_markup(S_SCDOC, s_doc_name(k, name, sizeof name), marked, sizeof marked);
            s_markup(S_INI, k->def ? k->def : k->unset, text, sizeof text);
            s_markup(S_SCDOC, text, plain, sizeof plain);
            printf("%s*%s* = %s\n", j ? "\n" : "", marked, plain);
            s_meaning(k, true, false, text, sizeof text);
            /* A family of keys shows one as the file writes it. */
            if (s_is_prefix(k) && k->example)
                (void) snprintf(text + strlen(text), sizeof text - strlen(text),
                                " For example: `%s%s`.", k->name, k->example);
            s_wrap(S_SCDOC, text, "\t", 80);
        }
    }
}

/* ---- a daemon's man page ---- */

static int
s_print_keys_read(const char *name)
{
    char *list = NULL, text[S_TEXT_MAX];
    size_t size = 0, n;
    enum cs_daemon_id d;
    FILE *f;

    if (cs_daemon_from_name(name, &d) < 0)
        return -1;
    f = open_memstream(&list, &size);
    if (!f)
        return -1;
    cs_conf_keys_read(d, f);
    if (fclose(f) != 0)
        return -1;
    /* "Keys read: [stack] stream, ...", as one line, with each [section] in bold. */
    n = (size_t) snprintf(text, sizeof text, "Keys read (see `camstack.ini`(5)):");
    for (const char *s = list + strlen("Keys read:"); *s && n + 3 < sizeof text; s++) {
        if (*s == '[' || *s == ']') {
            if (*s == ']')
                text[n++] = *s;
            text[n++] = '`';
            if (*s == '[')
                text[n++] = *s;
        } else {
            text[n++] = *s == '\n' ? ' ' : *s;
        }
    }
    text[n] = '\0';
    free(list);
    s_wrap(S_SCDOC, text, "", 80);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "ini") == 0)
        s_print_ini();
    else if (argc == 2 && strcmp(argv[1], "markdown") == 0)
        s_print_markdown();
    else if (argc == 2 && strcmp(argv[1], "scdoc") == 0)
        s_print_scdoc();
    else if (argc == 3 && strcmp(argv[1], "keys-read") == 0 && s_print_keys_read(argv[2]) == 0)
        ;
    else {
        (void) fprintf(stderr, "Usage: confdoc ini|markdown|scdoc|keys-read DAEMON\n");
        return 2;
    }
    return ferror(stdout) || fflush(stdout) != 0 ? 1 : 0;
}
