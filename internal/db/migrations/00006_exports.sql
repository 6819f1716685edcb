-- +goose Up
-- Organization data exports. Rows are kept after expiry (the history of who
-- exported what); the archive object is deleted.
CREATE TABLE export_jobs (
    id              uuid PRIMARY KEY,
    organization_id bigint       NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    requested_by_id bigint       REFERENCES users (id) ON DELETE SET NULL,
    status          varchar(16)  NOT NULL DEFAULT 'pending',
    object_key      varchar(512) NOT NULL DEFAULT '',
    error_message   varchar(255) NOT NULL DEFAULT '',
    created_at      timestamptz  NOT NULL DEFAULT now(),
    queued_at       timestamptz,
    started_at      timestamptz,
    heartbeat_at    timestamptz,
    completed_at    timestamptz,
    expires_at      timestamptz,
    attempt_count   integer      NOT NULL DEFAULT 0,
    CONSTRAINT export_jobs_valid_status CHECK (status IN ('pending', 'processing', 'ready', 'failed', 'expired')),
    CONSTRAINT export_jobs_attempt_count_nonneg CHECK (attempt_count >= 0)
);
-- Newest-first listing per org, with a stable tie-break.
CREATE INDEX org_export_org_created_idx ON export_jobs (organization_id, created_at DESC, id DESC);
CREATE INDEX org_export_status_exp_idx ON export_jobs (status, expires_at);
CREATE INDEX org_export_status_hb_idx ON export_jobs (status, heartbeat_at);
CREATE INDEX export_jobs_requested_by_idx ON export_jobs (requested_by_id) WHERE requested_by_id IS NOT NULL;
-- At most one active export per org: a second request gets the active job.
CREATE UNIQUE INDEX export_jobs_one_active_per_org ON export_jobs (organization_id)
    WHERE status IN ('pending', 'processing');

-- The orphan sweep (cleanup-orphans) asks which stored objects rows still
-- reference, a batch of keys at a time.
CREATE INDEX images_file_idx ON images (file);
CREATE INDEX contacts_avatar_path_idx ON contacts (avatar_path) WHERE avatar_path IS NOT NULL;
CREATE INDEX users_avatar_path_idx ON users (avatar_path) WHERE avatar_path IS NOT NULL;

-- +goose Down
DROP INDEX users_avatar_path_idx;
DROP INDEX contacts_avatar_path_idx;
DROP INDEX images_file_idx;
DROP TABLE export_jobs;
