-- Export files are kept in the file store (the data folder or an S3 bucket), addressed by a key relative to it:
-- `exports/<name>`. Rows written before held the absolute path of the file in the data folder, whose layout the
-- store keeps (`<data>/exports/<name>`), so the file's name is all that is needed.
UPDATE exports SET file_path = 'exports/' || regexp_replace(file_path, '^.*/', '') WHERE file_path LIKE '/%';
