# Assignment rules, staff availability, intake for others

nav-intake = New ticket for a customer
nav-assignment = Assignment rules

assign-rule-manual = Manual
assign-rule-skill = By skill
assign-rule-region = By region
assign-rule-workload = By workload
assign-rule-round_robin = Round robin
assign-rule-manual-help = New tickets are not assigned automatically; they wait in the queue until an agent takes them or a supervisor assigns them.
assign-rule-skill-help = To an available agent whose skills include the ticket type (fewest open tickets first); if nobody matches, by workload.
assign-rule-region-help = To an available agent in the ticket's region (fewest open tickets first); if nobody matches, by workload.
assign-rule-workload-help = To the available agent with the fewest open tickets; ties go to the longest-serving account.
assign-rule-round_robin-help = Available agents take turns; every server shares the same turn.

assign-settings-title = Assignment rules
assign-settings-rule = Active rule
assign-settings-help = New tickets are assigned by this rule when filed; when an agent is marked unavailable, their open tickets are moved by it too.
assign-settings-active = active
assign-settings-save = Save
assign-settings-saved = The assignment rule is saved.
assign-settings-log = Changes
assign-settings-log-empty = The assignment rule hasn't been changed yet.
assign-col-when = When
assign-col-who = Changed by
assign-col-from = From
assign-col-to = To

event-auto_assigned = assigned the ticket automatically
assign-note-auto = To { $name } by the rule “{ $rule }”
assign-note-auto-fallback = Nobody available matched “{ $rule }”; to { $name } by workload
assign-note-unavailable = { $from } is unavailable; moved to { $name } ({ $rule })

assign-staff-rule = Assignment rule:
assign-staff-change-rule = change
assign-staff-stranded = { $name } is unavailable but still holds { $count } open tickets (the rule is manual or nobody else is available). Please deal with them.
assign-col-open = Open tickets
assign-col-availability = Availability
assign-available = Available
assign-unavailable = Unavailable
assign-mark-unavailable = Mark unavailable
assign-mark-available = Mark available
assign-confirm-unavailable = Mark { $name } unavailable (leave, sickness)? Their open tickets will be moved to other agents by the active assignment rule.
assign-error-availability = That availability value isn't valid.

intake-title = New ticket for a customer
intake-lookup = Find the customer
intake-lookup-placeholder = Mobile phone or email
intake-lookup-help = Type the customer's phone number or email; a match is chosen at once.
intake-lookup-submit = Find
intake-section-customer = Customer
intake-no-login = no login
intake-no-match = No customer has this phone number or email:
intake-new-customer = New customer
intake-new-customer-help = Creates a customer record from the contact details below (without a login).
intake-contact-help = For an existing customer, contact details left blank are taken from their record.
intake-submit = File ticket
intake-error-customer = Find the customer first, or choose “New customer”.
intake-error-customer-exists = A customer already has this contact; find them with the lookup above.
