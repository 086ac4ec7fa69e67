DROP INDEX tickets_cause_code_idx;
DROP INDEX cause_categories_name_en_key;
DROP INDEX cause_categories_name_zh_key;
DROP TABLE reply_macros;
DROP TABLE ticket_templates;
