#!/bin/sh
# Run on each host (cron or a systemd timer): publish this host's state for
# CI to plan against. Needs push access to the host-states branch.
set -eu
repo=${1:?usage: publish-host-state.sh CLONE_OF_THE_REPOSITORY}
host=$(hostname)
cd "$repo"
git fetch -q origin host-states && git checkout -q host-states || git checkout -q --orphan host-states
lxops --host "$host" status --json > "$host.json"
git add "$host.json"
git commit -qm "state of $host" && git push -q origin host-states || true
