#!/usr/bin/env bash
# Builds the default task image from this checkout and tags it with the name serialization uses when no image is
# configured: ghcr.io/flyteorg/flytekit-ts:<version in package.json>.
#
#   bash scripts/build-image.sh                 # build (docker, or $CONTAINER_ENGINE, e.g. podman)
#   bash scripts/build-image.sh --push          # build and push
#   bash scripts/build-image.sh --print         # print the image name only
#   bash scripts/build-image.sh --repository ghcr.io/acme/flytekit-ts --push   # another registry; set
#                                               # FLYTEKIT_TS_DEFAULT_IMAGE (or --image) to that name when serializing
set -euo pipefail
cd "$(dirname "$0")/.."

repository="ghcr.io/flyteorg/flytekit-ts"
push=false
print=false
while [ $# -gt 0 ]; do
  case "$1" in
    --push) push=true ;;
    --print) print=true ;;
    --repository)
      [ $# -ge 2 ] || { echo "Error: --repository needs a value" >&2; exit 2; }
      repository="$2"
      shift
      ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Error: unknown argument '$1' (expected --push, --print, --repository NAME)" >&2; exit 2 ;;
  esac
  shift
done

version="$(node -p 'require("./package.json").version')"
image="$repository:$version"
if $print; then
  echo "$image"
  exit 0
fi
engine="${CONTAINER_ENGINE:-docker}"
command -v "$engine" >/dev/null 2>&1 || { echo "Error: $engine is not installed (set CONTAINER_ENGINE to use another)" >&2; exit 1; }
"$engine" build -t "$image" .
echo "built $image"
if $push; then
  "$engine" push "$image"
  echo "pushed $image"
fi
