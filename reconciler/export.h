/*
 * export.h - an existing container's LXC config as an lxops document (pure).
 *
 * The reverse of lxconf.c: LXC keys a person (or lxc-create) wrote are
 * mapped back to the LXD keys of the key table, so the container can be
 * declared in git and adopted (`apply --adopt`) without being recreated.
 * Three outcomes for each line of the config:
 *  - mapped: a config key or device (limits.*, boot.*, security.*, nics,
 *    bind mounts);
 *  - base: the container's own base config that lxops never manages
 *    (rootfs, uts name, ttys, capabilities, the template's system mounts):
 *    listed in a comment, left where it is;
 *  - unmapped: printed as a commented raw.lxc block with a warning, never
 *    dropped silently.
 */
#ifndef LXOPS_EXPORT_H
#define LXOPS_EXPORT_H

#include "actual.h"
#include "diag.h"
#include "facts.h"
#include "util/strbuf.h"

/*
 * Appends one YAML document for container name to out. config_text is the
 * container's config file. Warnings (one per unmapped line) go to warnings
 * with the container as subject. Returns the number of unmapped lines.
 */
int export_container(const char *name, const char *config_text, enum actual_state state,
		     const struct host_facts *f, struct strbuf *out, struct diag_list *warnings);

/*
 * Is this line of a container's own config one that lxops takes over when
 * it first writes lxops.conf for an adopted container (limits, id maps,
 * nics, prlimits, sysctls, environment, boot order, the bind mounts export
 * maps to disks)? Such lines move out of the config, so no key is set twice.
 */
bool export_owned_line(const char *key, const char *value);

#endif
