# Product catalogue and warranty state, keyword rules (type and urgency suggestions)

nav-products = Products
nav-keywords = Keyword rules

catalogue-title = Product catalogue
catalogue-help = When a ticket's product model is a model code listed here (ignoring case and surrounding spaces), the ticket page shows its warranty state from the purchase date and the warranty period.
catalogue-empty = The catalogue is empty. Add the first model below.
catalogue-saved = Product saved.
catalogue-new = Add a product
catalogue-add = Add
catalogue-edit = Edit
catalogue-edit-title = Edit product
catalogue-save = Save
catalogue-cancel = Cancel
catalogue-col-warranty = Warranty
catalogue-col-actions = Actions
catalogue-field-model = Model code
catalogue-field-model-help = The model as customers enter it on a ticket, e.g. DW-600. Each model can be listed once.
catalogue-field-name-zh = Chinese name
catalogue-field-name-en = English name
catalogue-field-name-help = At least one name.
catalogue-field-line = Product line
catalogue-field-months = Warranty (months)
catalogue-field-months-help = Whole months from the purchase date; 0 means no warranty. Bought on 31 January with 1 month: covered through the last day of February.
catalogue-months = { $months ->
    [0] No warranty
    [one] { $months } month
   *[other] { $months } months
}
catalogue-error-name-needed = Enter a Chinese or an English name.
catalogue-error-months = Enter a whole number from 0 to 600.
catalogue-error-duplicate = This model code is already in the catalogue (ignoring case); edit that product instead.

warranty-field = Warranty
warranty-in = In warranty
warranty-expired = Expired
warranty-unknown = Unknown
warranty-in-until = Covered through { $date }
warranty-expired-on = Ended on { $date }
warranty-none = This model has no warranty
warranty-unknown-model = Model not in the product catalogue
warranty-unknown-date = No purchase date given

kwrule-title = Keyword rules
kwrule-help = While a ticket is filed, a rule whose keyword appears in the title or description (ignoring case) suggests its type and urgency. Rules are tried by priority, smallest first; the type and the urgency each come from the first matching rule that suggests one. Suggestions are only offered: the person filing decides whether to use them.
kwrule-empty = There are no keyword rules yet. Add the first one below.
kwrule-saved = Rule saved.
kwrule-deleted = Rule deleted.
kwrule-new = Add a rule
kwrule-add = Add
kwrule-edit-title = Edit keyword rule
kwrule-delete = Delete
kwrule-confirm-delete = Delete the rule for “{ $keywords }”? New tickets will no longer get its suggestion.
kwrule-field-keywords = Keywords
kwrule-field-keywords-help = One a line, or separated by commas; Chinese or English, case does not matter.
kwrule-field-type = Suggested type
kwrule-field-urgency = Suggested urgency
kwrule-field-suggests-help = Choose at least one.
kwrule-field-priority = Priority
kwrule-field-priority-help = A whole number from 1 to 9999; smaller numbers are tried first.
kwrule-no-suggestion = No suggestion
kwrule-error-too-many = At most { $max } keywords.
kwrule-error-nothing = Choose a suggested type or urgency (or both).
kwrule-error-priority = Enter a whole number from 1 to 9999.
kwrule-suggest = Suggested: { $what }
kwrule-suggest-use = Use
kwrule-suggest-taken = applied
kwrule-suggest-why = Keywords: { $keywords }
