-- The address people reach the site at, for the links in messages. Written at start like the zone, so every
-- instance and job on this database links to the same place (it was a process-wide global).
ALTER TABLE service_zone ADD COLUMN public_url text NOT NULL DEFAULT 'http://127.0.0.1:8080';
