# The customer's search box on My tickets.
portal-search = Search my tickets
portal-search-placeholder = Number, title, description, product or phone
portal-search-submit = Search
portal-search-none = None of your tickets match this search.
