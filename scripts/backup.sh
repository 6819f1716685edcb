#!/usr/bin/env bash
# Backs up one apistarter deployment into a new directory:
#   db.dump      pg_dump custom format (restore with scripts/restore.sh or pg_restore)
#   storage.tar  the local storage directory (STORAGE_BACKEND=local)
#   storage/     a copy of the bucket prefix (STORAGE_BACKEND=s3, needs rclone)
#   SHA256SUMS   checksums of the above, checked by restore.sh
#
#   DATABASE_URL=... STORAGE_DIR=/srv/apistarter/storage scripts/backup.sh /backups
#
# Order: the database first, then the files. Every file a dumped row names was
# written before that row committed, so it is in the copy unless it was deleted
# during the backup; files added during the backup are orphans that the
# cleanup-orphans job removes after a restore.
set -euo pipefail

say() { printf 'backup: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

dest_root="${1:-${BACKUP_DIR:-./var/backups}}"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/apistarter?sslmode=disable}"
STORAGE_BACKEND="${STORAGE_BACKEND:-local}"
STORAGE_DIR="${STORAGE_DIR:-./var/storage}"
command -v pg_dump >/dev/null 2>&1 || die "pg_dump not found (apt-get install postgresql-client; its major version must be ≥ the server's)"

dest="$dest_root/apistarter-$(date -u +%Y%m%dT%H%M%SZ)"
[ -e "$dest" ] && die "$dest already exists"
mkdir -p "$dest"
partial="$dest"
trap '[ -n "$partial" ] && rm -rf "$partial"' EXIT

say "dumping the database"
pg_dump --format=custom --compress=6 --no-owner --no-acl --file="$dest/db.dump" "$DATABASE_URL"

case "$STORAGE_BACKEND" in
local)
  [ -d "$STORAGE_DIR" ] || die "STORAGE_DIR $STORAGE_DIR is not a directory"
  say "archiving $STORAGE_DIR"
  tar -C "$STORAGE_DIR" -cf "$dest/storage.tar" .
  ;;
s3)
  # rclone takes its S3 settings from the environment, e.g.
  # RCLONE_CONFIG_APISTARTER_TYPE=s3 RCLONE_CONFIG_APISTARTER_PROVIDER=Other
  # RCLONE_CONFIG_APISTARTER_ENDPOINT=... ACCESS_KEY_ID=... SECRET_ACCESS_KEY=...
  command -v rclone >/dev/null 2>&1 || die "STORAGE_BACKEND=s3 needs rclone (apt-get install rclone) or a bucket-level backup (versioning, replication)"
  remote="${RCLONE_REMOTE:-apistarter}:${S3_BUCKET:?S3_BUCKET is required}/${S3_PREFIX:-}"
  say "copying $remote"
  rclone copy --checksum "$remote" "$dest/storage"
  ;;
*) die "unknown STORAGE_BACKEND $STORAGE_BACKEND" ;;
esac

(cd "$dest" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)
partial=""
say "done: $dest"
echo "$dest"
