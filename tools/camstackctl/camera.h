/* camstackctl camera list | get NAME | set NAME VALUE: the camera's settings through camerad's
 * "camera" control command (PROTOCOL.md section 11.7), printed for a person or as JSON. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "json.h"

/* Checks the words @argv[0..@argc - 1] ("camera", then list | get NAME | set NAME VALUE...)
 * and writes the request line for camerad into @request. Returns 0, -EINVAL (not a camera
 * command) or -E2BIG (longer than @size). */
int camera_request(int argc, char **argv, char *request, size_t size);

/* Prints camerad's answer @answer to "camera @sub ..." for a person: the list as a table, one
 * setting as a line of it, a change as "NAME = VALUE (was PREVIOUS), from seq S of run R". */
void camera_print_answer(FILE *out, const char *sub, const json_t *answer);

/* Writes setting @s (source.h's object) as one line of the list: name, type, value, what it
 * takes, access and flags. */
void camera_print_setting(FILE *out, const json_t *s);
