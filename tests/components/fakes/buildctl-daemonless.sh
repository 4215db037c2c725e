#!/usr/bin/env bash
# Fake buildctl-daemonless.sh, imitating moby/buildkit v0.32.2 (the default
# image's version): the wrapper from examples/buildctl-daemonless starts
# buildkitd with $BUILDKITD_FLAGS, then runs buildctl with its arguments.
# Both are checked against that release's flags (cmd/buildkitd/main.go and
# main_oci_worker.go; cmd/buildctl/build.go, urfave/cli v3 syntax: --name
# value or --name=value, booleans without a value); anything else is
# refused. Writes the metadata file with the image digest.
set -euo pipefail
echo "buildctl-daemonless.sh $*" >> "$FAKE_LOG"
echo "buildkitd ${BUILDKITD_FLAGS:-}" >> "$FAKE_LOG"
buildkitd_value=" config root addr log-format log-level group debugaddr tlscert tlskey tlscacert
  allow-insecure-entitlement otel-socket-path cdi-spec-dir oci-worker oci-worker-labels oci-worker-snapshotter
  oci-worker-proxy-snapshotter-path oci-worker-platform oci-worker-net oci-cni-config-path oci-cni-binary-dir
  oci-cni-pool-size oci-worker-binary oci-worker-apparmor-profile oci-max-parallelism oci-worker-gc-keepstorage "
buildkitd_bool=" rootless debug trace proxy-network cdi-disabled save-cache-debug oci-worker-selinux
  oci-worker-no-process-sandbox oci-worker-gc "
buildkitd_value=" $(echo $buildkitd_value) " buildkitd_bool=" $(echo $buildkitd_bool) "
# shellcheck disable=SC2086 # the wrapper splits BUILDKITD_FLAGS the same way
set -- ${BUILDKITD_FLAGS:-} -- "$@"
while [ "$1" != -- ]; do
  flag=$1 name=${1#--} value=""
  case "$flag" in --*=*) name=${name%%=*}; value=${flag#*=} ;; esac
  if [[ "$buildkitd_bool" == *" $name "* ]]; then
    shift
  elif [[ "$buildkitd_value" == *" $name "* ]]; then
    if [[ "$flag" != *=* ]]; then value=$2; shift; fi
    shift
    if [ "$name" = config ]; then
      [ -f "$value" ] || { echo "buildkitd: config $value does not exist" >&2; exit 1; }
      grep -q '^\[registry\."docker\.io"\]$' "$value" || { echo "buildkitd: $value has no [registry.\"docker.io\"] table" >&2; exit 1; }
      grep -Eq '^  mirrors = \["[^"]+"\]$' "$value" || { echo "buildkitd: $value: mirrors is not a list of strings" >&2; exit 1; }
    fi
  else
    echo "buildkitd: flag provided but not defined: $flag" >&2; exit 1
  fi
done
shift
[ "${1:-}" = build ] || { echo "buildctl: the component only runs build, got ${1:-nothing}" >&2; exit 1; }
shift
build_value=" output o progress trace local oci-layout frontend opt export-cache import-cache secret allow ssh
  metadata-file source-policy-file ref-file registry-auth-tlscontext debug-json-cache-metrics "
build_bool=" no-cache proxy-network "
build_value=" $(echo $build_value) "
metadata=""
while [ $# -gt 0 ]; do
  flag=$1 name=${1#--} value=""
  case "$flag" in --*=*) name=${name%%=*}; value=${flag#*=} ;; -o) name=output ;; esac
  if [[ "$build_bool" == *" $name "* ]]; then shift; continue; fi
  [[ "$build_value" == *" $name "* ]] || { echo "buildctl build: flag provided but not defined: $flag" >&2; exit 1; }
  if [[ "$flag" != *=* ]]; then
    [ $# -ge 2 ] || { echo "buildctl build: flag needs an argument: $flag" >&2; exit 1; }
    value=$2; shift
  fi
  shift
  case "$name" in
    frontend) [ "$value" = dockerfile.v0 ] || { echo "frontend $value" >&2; exit 1; } ;;
    local)
      dir=${value#*=}
      [ -d "$dir" ] || { echo "--local $value: not a directory" >&2; exit 1; } ;;
    output|o) [[ "$value" == type=image,* ]] || { echo "--output $value is not an image export" >&2; exit 1; } ;;
    opt) [[ "$value" == ?*=* ]] || { echo "--opt $value is not key=value" >&2; exit 1; } ;;
    export-cache|import-cache) [[ "$value" == type=registry,ref=* ]] || { echo "--$name $value" >&2; exit 1; } ;;
    metadata-file) metadata=$value ;;
  esac
done
grep -q "\"$CI_REGISTRY\"" "$DOCKER_CONFIG/config.json" || { echo "no registry credentials" >&2; exit 1; }
if [ -n "$metadata" ]; then
  printf '{\n  "containerimage.config.digest": "sha256:%064d",\n  "containerimage.digest": "sha256:%064d"\n}\n' 1 7 > "$metadata"
fi
