DROP TABLE keyword_rules;
DROP TABLE products;
