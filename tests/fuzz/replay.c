/* main() for a fuzz target outside libFuzzer: runs each file given, and each file in each
 * directory given, through LLVMFuzzerTestOneInput once. The unit suite runs it on the
 * committed corpus (tests/fuzz/corpus/<target>/), which holds the seeds and every input that
 * ever crashed a target. Exits 0 after all ran (a crash ends it earlier), 1 if a path could
 * not be read or no input was found. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
s_run_file(const char *path)
{
    FILE *f = fopen(path, "rbe");
    uint8_t *buf = NULL;
    long size;
    int r = -1;

    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
        && (buf = malloc((size_t) size + 1)) && fread(buf, 1, (size_t) size, f) == (size_t) size) {
        (void) LLVMFuzzerTestOneInput(buf, (size_t) size);
        r = 0;
    }
    free(buf);
    (void) fclose(f);
    return r;
}

int
main(int argc, char **argv)
{
    unsigned ran = 0, failed = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        struct dirent **names = NULL;
        int n;

        if (stat(argv[i], &st) < 0) {
            (void) fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed += s_run_file(argv[i]) < 0;
            ran++;
            continue;
        }
        n = scandir(argv[i], &names, NULL, alphasort);
        for (int k = 0; k < n; k++) {
            char path[4096];

            if (names[k]->d_name[0] != '.') {
                (void) snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
                if (s_run_file(path) < 0) {
                    (void) fprintf(stderr, "%s: cannot read\n", path);
                    failed++;
                }
                ran++;
            }
            free(names[k]);
        }
        free(names);
    }
    (void) printf("%u inputs replayed, %u unreadable\n", ran, failed);
    return failed || ran == 0 ? 1 : 0;
}
