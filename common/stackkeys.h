/* The sections every daemon shares, declared in common/stackkeys.c: [stack], [endpoints]
 * (with the endpoints' defaults and the rules on remote endpoints), [security] and [log]. */
#pragma once

#include "confkey.h"

extern const struct cs_conf_section cs_stack_section, cs_endpoints_section, cs_security_section,
    cs_log_section;
