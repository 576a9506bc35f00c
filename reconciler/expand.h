/*
 * expand.h - profiles into each container's effective config (pure).
 *
 * LXD's ExpandInstanceConfig/ExpandInstanceDevices (KEYS.md §1.4): config
 * starts empty, each profile in listed order overrides key by key, then the
 * container's own config; devices likewise per device name, a later
 * definition replacing the whole device, and `type: none` removing an
 * inherited one. The result is sorted and hashed (SHA-256 over a canonical
 * serialisation of canonical values), so equal meaning gives equal hashes.
 */
#ifndef LXOPS_EXPAND_H
#define LXOPS_EXPAND_H

#include "model.h"
#include "util/arena.h"

/* Fills eff_profiles, eff_config, eff_devices and hash of every container. */
void expand_desired(struct desired *d, struct arena *a);
/* The same for one container (profiles looked up in d); no-op once expanded. */
void expand_container(const struct desired *d, struct container *c, struct arena *a);
/* Only eff_profiles and eff_devices (what validation checks), without config or hash:
 * a host plans 1,000 of 100,000 containers, and expands only those fully. */
void expand_devices(const struct desired *d, struct container *c, struct arena *a);

#endif
