-- +goose Up
-- Pending invitations are revoked when their inviter loses the right to make
-- them (demotion, removal, leaving, account deletion or deactivation): those
-- writes look invitations up by inviter.
CREATE INDEX invitations_pending_inviter_idx ON invitations (invited_by_id)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Why a ready export's link was not mailed (the requester lost admin rights,
-- or the account is gone); empty when it was mailed or the job is not ready.
ALTER TABLE export_jobs ADD COLUMN email_notice varchar(255) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE export_jobs DROP COLUMN email_notice;
DROP INDEX invitations_pending_inviter_idx;
