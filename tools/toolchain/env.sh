# Source this file (bash) to put the pinned Pulumi toolchain on PATH for the current shell:
#   source tools/toolchain/env.sh
# It builds the toolchain on first use (many minutes) and reuses it afterwards (seconds), then exports
# PATH, PULUMI_HOME (inside the toolchain cache, so nothing lands in ~/.pulumi), PULUMI_SKIP_UPDATE_CHECK
# and PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION (nothing can be downloaded here; a missing plugin should
# fail at once with its name). State backend and passphrase are the caller's: e.g.
# PULUMI_BACKEND_URL=file://<dir> and PULUMI_CONFIG_PASSPHRASE.
# shellcheck shell=bash
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    echo "env.sh must be sourced: source ${BASH_SOURCE[0]}  (or: eval \"\$(tools/toolchain/build.sh --print-env)\")" >&2
    exit 2
fi
if vsekai_toolchain_exports="$(bash "$(dirname "${BASH_SOURCE[0]}")/build.sh" --print-env "$@")"; then
    eval "$vsekai_toolchain_exports"
    unset vsekai_toolchain_exports
else
    unset vsekai_toolchain_exports
    echo "env.sh: the toolchain is not available (see above)" >&2
    return 1
fi
