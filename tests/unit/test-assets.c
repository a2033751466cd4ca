/* Unit tests of viewd's asset table (daemons/viewd/assets.h, made by tools/embed/embed-files.py):
 * every file of daemons/viewd/www/ is in it byte for byte with its content type, "/" is the page,
 * and the page refers only to files of the table: nothing is fetched from anywhere else. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "check-main.h"
#include "readfile.h"

/* The row of @path, as viewd looks it up, or NULL. */
static const struct viewd_asset *
s_find(const char *path)
{
    for (size_t i = 0; path && i < viewd_n_assets; i++) {
        if (strcmp(viewd_assets[i].path, path) == 0)
            return &viewd_assets[i];
    }
    return NULL;
}

/* The whole of www/@name from the source tree; free() it. */
static char *
s_read(const char *name, size_t *ret_size)
{
    char path[4096];
    const char *root = getenv("CS_SOURCE_ROOT");

    ck_assert_ptr_nonnull(root);
    (void) snprintf(path, sizeof path, "%s/daemons/viewd/www/%s", root, name);
    return test_read_file(path, ret_size);
}

START_TEST(assets_are_the_files_of_www)
{
    const char *root = getenv("CS_SOURCE_ROOT");
    char dir[4096];
    struct dirent *e;
    size_t n_files = 0;
    DIR *d;

    (void) snprintf(dir, sizeof dir, "%s/daemons/viewd/www", root);
    d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        char url[300];
        const struct viewd_asset *a;
        size_t size;
        char *text;

        if (e->d_name[0] == '.' || strcmp(e->d_name, "meson.build") == 0)
            continue;
        n_files++;
        (void) snprintf(url, sizeof url, "/%s", strcmp(e->d_name, "index.html") ? e->d_name : "");
        a = s_find(url);
        ck_assert_msg(a, "%s is not in the asset table", url);
        text = s_read(e->d_name, &size);
        ck_assert_uint_eq(a->size, size);
        ck_assert_int_eq(memcmp(a->data, text, size), 0);
        free(text);
    }
    (void) closedir(d);
    ck_assert_uint_eq(n_files, viewd_n_assets);
}
END_TEST

START_TEST(assets_are_found_by_path_with_their_type)
{
    ck_assert_str_eq(s_find("/")->content_type, "text/html; charset=utf-8");
    ck_assert_str_eq(s_find("/view.css")->content_type, "text/css; charset=utf-8");
    ck_assert_str_eq(s_find("/view.js")->content_type, "text/javascript; charset=utf-8");
    ck_assert_ptr_null(s_find("/nothing.html"));
    ck_assert_ptr_null(s_find("/index.html")); /* the page is "/" */
    ck_assert_ptr_null(s_find("/../view.js"));
    ck_assert_ptr_null(s_find(""));
    ck_assert_ptr_null(s_find(NULL));
}
END_TEST

/* Each src="..." and href="..." of the page names a file of the table: no other host, no
 * file viewd does not have. */
START_TEST(page_refers_only_to_its_own_files)
{
    const struct viewd_asset *page = s_find("/");
    char *html = strndup((const char *) page->data, page->size);
    int refs = 0;

    ck_assert_ptr_nonnull(html);
    for (const char *p = html; (p = strpbrk(p, "sh"));) {
        const char *v = NULL;
        char url[256];

        if (strncmp(p, "src=\"", 5) == 0)
            v = p + 5;
        else if (strncmp(p, "href=\"", 6) == 0)
            v = p + 6;
        p++;
        if (!v)
            continue;
        (void) snprintf(url, sizeof url, "/%.*s", (int) strcspn(v, "\""), v);
        ck_assert_msg(s_find(url), "the page refers to '%s', not one of its files", url + 1);
        refs++;
    }
    ck_assert_int_ge(refs, 2); /* view.css and view.js at least */
    ck_assert_ptr_null(strstr(html, "://"));
    free(html);
}
END_TEST

Suite *
test_suite(void)
{
    Suite *s = suite_create("assets");
    TCase *tc = tcase_create("table");

    tcase_add_test(tc, assets_are_the_files_of_www);
    tcase_add_test(tc, assets_are_found_by_path_with_their_type);
    tcase_add_test(tc, page_refers_only_to_its_own_files);
    suite_add_tcase(s, tc);
    return s;
}
