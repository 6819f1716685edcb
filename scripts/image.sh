#!/usr/bin/env bash
# Builds the apistarter OCI image with buildah: no Docker daemon, nothing pulled from
# a registry. The image is a static binary on an empty base (CA roots and time zone
# data are inside the binary), plus /data for local storage and /tmp, owned by the
# non-root user. What goes in it is described once, in deploy/image.env.
#
#   scripts/image.sh                 # builds $IMAGE_NAME:$VERSION and :latest
#   IMAGE=localhost/x:y scripts/image.sh
#   VERSION=v1.2.3 REVISION=<sha> scripts/image.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../deploy/image.env
. deploy/image.env

say() { printf 'image: %s\n' "$*" >&2; }
if ! command -v buildah >/dev/null 2>&1; then
  say "buildah is not installed: apt-get install buildah (scripts/services.sh installs it when run as root)"
  exit 1
fi

VERSION="${VERSION:-$(git describe --always --dirty 2>/dev/null || echo dev)}"
REVISION="${REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
CREATED="${CREATED:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}"
# A caller-chosen IMAGE (tests) is built alone; the default also moves :latest.
tag_latest=""
[ -z "${IMAGE:-}" ] && tag_latest=1
IMAGE="${IMAGE:-$IMAGE_NAME:$VERSION}"
GO="${GO:-go}"

work=$(mktemp -d)
ctr=""
cleanup() {
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

say "building static binary ($VERSION)"
# shellcheck disable=SC2086 # GO_BUILD_FLAGS is a list of flags
CGO_ENABLED=0 GOOS=linux "$GO" build $GO_BUILD_FLAGS \
  -ldflags "$GO_LDFLAGS -X $GO_VERSION_VAR=$VERSION" \
  -o "$work/rootfs/$IMAGE_ENTRYPOINT" ./cmd/apistarter

# The writable directories, owned by the image user, as a tar so that no
# "buildah mount" (root or "buildah unshare") is needed.
uid="${IMAGE_USER%%:*}" gid="${IMAGE_USER##*:}"
mkdir -p "$work/dirs/${IMAGE_WORKDIR#/}" "$work/dirs/tmp"
chmod 0755 "$work/dirs/${IMAGE_WORKDIR#/}"
chmod 1777 "$work/dirs/tmp"
tar -C "$work/dirs" --numeric-owner --owner="$uid" --group="$gid" -cf "$work/dirs.tar" "${IMAGE_WORKDIR#/}" tmp

ctr=$(buildah from scratch)
buildah add --quiet "$ctr" "$work/dirs.tar" / >/dev/null
buildah copy --quiet --chmod 0755 "$ctr" "$work/rootfs/$IMAGE_ENTRYPOINT" "$IMAGE_ENTRYPOINT" >/dev/null
ports=()
for p in $IMAGE_PORTS; do ports+=(--port "$p/tcp"); done
envs=()
for e in $IMAGE_ENV; do envs+=(--env "$e"); done
buildah config \
  --user "$IMAGE_USER" \
  --workingdir "$IMAGE_WORKDIR" \
  --entrypoint "[\"$IMAGE_ENTRYPOINT\"]" \
  --cmd "[\"$IMAGE_CMD\"]" \
  "${ports[@]}" "${envs[@]}" \
  --label "org.opencontainers.image.title=$IMAGE_TITLE" \
  --label "org.opencontainers.image.description=$IMAGE_DESCRIPTION" \
  --label "org.opencontainers.image.version=$VERSION" \
  --label "org.opencontainers.image.revision=$REVISION" \
  --label "org.opencontainers.image.created=$CREATED" \
  "$ctr"
buildah commit --quiet --format oci --rm "$ctr" "$IMAGE" >/dev/null
ctr=""
if [ -n "$tag_latest" ]; then buildah tag "$IMAGE" "$IMAGE_NAME:latest"; fi

bin_size=$(stat -c %s "$work/rootfs/$IMAGE_ENTRYPOINT")
gz_size=$(gzip -c "$work/rootfs/$IMAGE_ENTRYPOINT" | wc -c)
say "built $IMAGE: binary $((bin_size / 1048576)) MiB unpacked, ~$((gz_size / 1048576)) MiB as a compressed layer"
echo "$IMAGE"
