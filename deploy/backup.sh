#!/bin/sh
# Nightly backup of the SIPAS database: one pg_dump in the custom format
# (compressed, restored with pg_restore), kept BACKUP_KEEP_DAYS days.
# Run by deploy/systemd/sipas-backup.timer; the restore drill that proves a dump
# restores to the same indices and counts is tests/deploy/test_backup_restore.py.
set -eu
: "${DATABASE_URL:?DATABASE_URL must be set}"
dir="${BACKUP_DIR:-/srv/sipas/backups}"
keep="${BACKUP_KEEP_DAYS:-14}"
mkdir -p "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
tmp="$dir/.sipas-$stamp.dump.partial"
pg_dump --format=custom --compress=6 --no-owner --file="$tmp" "$DATABASE_URL"
# Only a finished dump gets its final name, so a crash never leaves a file
# that looks complete.
mv "$tmp" "$dir/sipas-$stamp.dump"
find "$dir" -name 'sipas-*.dump' -mtime +"$keep" -delete
echo "backup: $dir/sipas-$stamp.dump ($(du -h "$dir/sipas-$stamp.dump" | cut -f1))"
