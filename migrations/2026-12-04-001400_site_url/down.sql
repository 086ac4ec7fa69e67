ALTER TABLE service_zone DROP COLUMN public_url;
