-- The files in the data folder stay; without rows nothing serves them.
DROP TABLE attachments;
