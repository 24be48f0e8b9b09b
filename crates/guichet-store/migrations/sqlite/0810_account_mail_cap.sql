-- Account emails (confirmation, reset, « this address already has an account ») sent per
-- address, to cap them: the forms answer anyone who types an address, and must not become a
-- way to flood someone's mailbox. The address is stored as its SHA-256 and forgotten after
-- the hour it counts for.
CREATE TABLE person_account_mails (
    address_digest TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX person_account_mails_address ON person_account_mails (address_digest, at);
