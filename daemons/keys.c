/* Every section of the config file, in the order of the example file: the shared ones from
 * common/stackkeys.c and each daemon's own. The library built from this file and the daemons'
 * keys.c is linked by every program that reads the config, so that each parses the whole file
 * and a typo in any section is caught by all. */
#include "keys.h"
#include "stackkeys.h"

const struct cs_conf_section *const cs_conf_sections[] = {
    &cs_stack_section,       &cs_endpoints_section,
    &camerad_conf_section,   &pubd_conf_section,
    &analyzerd_conf_section, &saverd_conf_section,
    &viewd_conf_section,     &cs_security_section,
    &cs_log_section,         NULL,
};
