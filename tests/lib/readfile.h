/* A whole file read into memory, for the tests that compare what a program wrote or shipped
 * with what they expect, and a file written whole, for the tests that hand one to a program. */
#pragma once

#include <stddef.h>

/* The bytes of @path, NUL-terminated (free() them), their number in @ret_size (may be NULL).
 * Fails the test if the file cannot be read. */
char *test_read_file(const char *path, size_t *ret_size);

/* Writes @text into @path (created or truncated). Fails the test if it cannot. */
void test_write_file(const char *path, const char *text);
