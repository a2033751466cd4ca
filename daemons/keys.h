/* The sections of the config file each daemon declares in its own folder (keys.c). */
#pragma once

#include "confkey.h"

extern const struct cs_conf_section camerad_conf_section, pubd_conf_section, analyzerd_conf_section,
    saverd_conf_section, viewd_conf_section;
