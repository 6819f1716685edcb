#!/usr/bin/env bash
# Restores a directory written by scripts/backup.sh into an EMPTY database and an
# empty (or missing) storage directory or bucket prefix; it refuses to overwrite.
#
#   createdb -h db.internal -U postgres apistarter_restored
#   DATABASE_URL=postgres://.../apistarter_restored STORAGE_DIR=/srv/restored \
#     scripts/restore.sh /backups/apistarter-20261203T120000Z
#
# Then point the processes at them; the schema version comes with the dump, so
# run the binary of the same release (or newer: `apistarter migrate up`).
set -euo pipefail

say() { printf 'restore: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

src="${1:?usage: restore.sh BACKUP_DIR}"
DATABASE_URL="${DATABASE_URL:?DATABASE_URL (the empty target database) is required}"
STORAGE_BACKEND="${STORAGE_BACKEND:-local}"
STORAGE_DIR="${STORAGE_DIR:-./var/storage}"
command -v pg_restore >/dev/null 2>&1 || die "pg_restore not found (apt-get install postgresql-client)"
[ -f "$src/db.dump" ] || die "$src/db.dump not found"

say "checking checksums"
(cd "$src" && sha256sum --quiet -c SHA256SUMS) || die "checksum mismatch in $src"

tables=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") ||
  die "cannot connect to the target database"
[ "$tables" = 0 ] || die "the target database is not empty ($tables tables in public)"

say "restoring the database"
pg_restore --no-owner --no-acl --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$src/db.dump"

case "$STORAGE_BACKEND" in
local)
  mkdir -p "$STORAGE_DIR"
  [ -z "$(ls -A "$STORAGE_DIR")" ] || die "STORAGE_DIR $STORAGE_DIR is not empty"
  say "extracting files into $STORAGE_DIR"
  tar -C "$STORAGE_DIR" -xf "$src/storage.tar"
  ;;
s3)
  command -v rclone >/dev/null 2>&1 || die "STORAGE_BACKEND=s3 needs rclone (apt-get install rclone)"
  remote="${RCLONE_REMOTE:-apistarter}:${S3_BUCKET:?S3_BUCKET is required}/${S3_PREFIX:-}"
  say "copying files to $remote"
  rclone copy --checksum "$src/storage" "$remote"
  ;;
*) die "unknown STORAGE_BACKEND $STORAGE_BACKEND" ;;
esac
say "done"
