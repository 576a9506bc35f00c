/*
 * image.h - containers from image documents (edge).
 *
 * An image (DESIGN §1: rootfs tarball, optional LXD metadata tarball, from
 * the repository, an absolute host path or a file:// URL) is verified
 * against its sha256 before anything is kept, imported once into
 * <state dir>/images/<fingerprint>/ (recorded in the images table), and
 * realised per id map as a base container in the lxcpath owned by that
 * map, from which containers are overlay clones. LXD metadata templates
 * with `when: [create]` are rendered into each new container.
 */
#ifndef LXOPS_IMAGE_H
#define LXOPS_IMAGE_H

#include "apply.h"
#include "util/strbuf.h"

/*
 * Creates cd's container from its image: import (once per fingerprint),
 * base for its id map (once), overlay clone, create templates. -EIO with
 * herr when the host or the image refused (a digest mismatch imports
 * nothing); other negative codes with err when the state database failed.
 * *ret_made turns true once the container exists (the clone succeeded): a
 * later failure leaves it for the caller to roll back.
 */
int image_create(struct apply_ctx *ctx, const struct ct_diff *cd, bool *ret_made,
		 struct strbuf *what, struct lx_err *herr, struct lx_err *err);

/*
 * apply --prune: removes imported images no image document of the revision
 * refers to, with their base containers and store directories, unless a
 * container still depends on a base (then the image is kept and said so).
 * Each removal is reported on ctx->out and recorded.
 */
int image_prune(struct apply_ctx *ctx, struct lx_err *err);

#endif
