#!/usr/bin/env bash
# Fake BuildKit client: checks the flags buildctl needs, writes the
# metadata file with the image digest.
set -euo pipefail
echo "buildctl-daemonless.sh $*" >> "$FAKE_LOG"
[ "$1" = build ] || { echo "not a build" >&2; exit 1; }
shift
metadata=""
while [ $# -gt 0 ]; do
  case "$1" in
    --frontend) [ "$2" = dockerfile.v0 ] || exit 1; shift ;;
    --local)
      dir=${2#*=}
      [ -d "$dir" ] || { echo "--local $2: not a directory" >&2; exit 1; }
      shift ;;
    --opt|--export-cache|--import-cache) shift ;;
    --output) [[ "$2" == type=image,* ]] || exit 1; shift ;;
    --metadata-file) metadata=$2; shift ;;
    *) echo "buildctl: unknown flag $1" >&2; exit 1 ;;
  esac
  shift
done
grep -q "\"$CI_REGISTRY\"" "$DOCKER_CONFIG/config.json" || { echo "no registry credentials" >&2; exit 1; }
printf '{\n  "containerimage.config.digest": "sha256:%064d",\n  "containerimage.digest": "sha256:%064d"\n}\n' 1 7 > "$metadata"
