app-name = Aftersales
nav-skip = Skip to content
nav-menu = Menu
nav-main = Main navigation
nav-queue = Queue
nav-staff = Staff
nav-my-tickets = My tickets
nav-new-ticket = New ticket
nav-logout = Sign out
nav-login = Sign in
nav-register = Register
lang-switch-to = 中文

role-customer = Customer
role-agent = Agent
role-supervisor = Supervisor

type-fault_repair = Fault repair
type-consultation = Consultation
type-complaint = Complaint
type-maintenance = Upgrade / maintenance
type-return_exchange = Return / exchange
type-account = Account
type-service_process = Service process

urgency-normal = Normal
urgency-urgent = Urgent
urgency-critical = Critical

channel-web = Web portal
channel-phone = Phone
channel-email = Email
channel-app = App
channel-social = Social media
channel-store = In store

outcome-repair = Repair
outcome-replacement = Replacement
outcome-refund = Refund
outcome-explanation = Explanation
outcome-other = Other

state-submitted = Submitted
state-assigned = Assigned
state-in_progress = In progress
state-awaiting_customer = Awaiting customer
state-resolved = Resolved
state-closed = Closed
state-withdrawn = Withdrawn

error-not-found = We can't find that page or ticket.
error-unauthenticated = Please sign in first.
error-forbidden = You don't have access to this page.
error-control-characters = The text contains control characters (such as NUL) that cannot be stored. Remove them and try again.
error-csrf = This form has expired. Reload the page and try again.
error-invalid = Some of what you sent isn't valid. Please check and try again.
error-too-many-attempts = Too many attempts. Please wait a moment and try again.
error-sign-in-wait = Too many failed sign-ins. Please try again in { $seconds } seconds. On a computer you have signed in from before, you can sign in at once.
error-unavailable = The service is unavailable right now. Please try again shortly.
error-internal = Something went wrong on our side. It has been logged; please try again later.
error-bad-request = We couldn't process that request. Please check your input.
error-method = That action isn't supported here.
error-timeout = The request timed out. Please try again.
error-too-large = What you sent is too large.
error-bad-filter = That filter isn't valid.
error-stale = Someone else changed this ticket first. The page now shows the current version; check it and try again.
error-bad-cursor = That page link isn't valid; start again from the first page.
error-code = Error code
error-go-home = Go to the start page
error-required = This field is required.
error-choice = Please choose from the list.
error-phone = Enter a valid phone number.
error-email = Enter a valid email address.
error-date = Enter a valid date (year-month-day).
error-date-future = The date can't be later than today.
error-contact-needed = Give a phone number or an email address.
error-too-long = At most { $max } characters.
error-control-chars = Contains characters we can't accept.
error-password-short = The password needs at least { $max } characters.
error-account-exists = An account already exists for this; please sign in.
error-login-failed = Wrong account or password.

refusal-not-your-role = Your role can't do that.
refusal-finished = This ticket is closed or withdrawn and can't be changed.
refusal-already-assigned = Someone else has already taken this ticket; the page now shows its current state.
refusal-needs-withdrawal-request = Work on this ticket has started; withdrawing it needs a request.
refusal-wrong-state = That isn't possible in the ticket's current state.

login-title = Sign in
login-submit = Sign in
login-no-account = No account yet?
field-login = Email or phone
field-password = Password

register-title = Create a customer account
register-help = With an account you can file after-sales tickets online and follow them at any time.
register-password-help = At least 8 characters.
register-submit = Register
register-have-account = Already have an account?

field-name = Name
field-email = Email
field-phone = Mobile phone
field-company = Company (optional)
field-role = Role
field-region = Region
field-skills = Skills (comma-separated)

portal-title = My tickets
portal-empty = You haven't filed any tickets yet. Problem with a product? File a ticket and we'll get on it.
col-number = Number
col-title = Title
col-state = State
col-updated = Last update
col-customer = Customer
pager-more = More
pager-next = Next page

new-ticket-title = File an after-sales ticket
form-has-errors = A few fields need changes; they are marked in red.
section-problem = Problem
section-product = Product
section-contact = Contact
choose = Choose…
field-ticket-type = Type
field-urgency = Urgency
field-title = Title
field-description = Description
field-desired-outcome = Desired outcome
field-product-model = Product / model
field-serial-number = Serial number
field-purchase-date = Purchase date
field-order-number = Order / contract number
field-contact-name = Contact person
field-contact-phone = Contact phone
field-contact-email = Contact email
field-address = Address
new-ticket-submit = File ticket

action-take = Take this ticket
section-details = Details
field-channel = Channel
field-assignee = Assignee
unassigned = Unassigned
field-created = Created
section-progress = Progress
actor-system = System
internal-note = Internal note
field-reply = Reply to the customer
field-add-info = Add information
field-internal = Internal only (the customer won't see it)
action-send = Send

event-filed = filed the ticket
event-assigned = took the ticket
event-reply = replied
event-note = added an internal note
event-customer_info = added information
event-started = started work
event-info_requested = asked the customer for information
event-resolved = gave a solution
event-confirmed = confirmed the solution
event-reopened = rejected the solution
event-auto_closed = closed automatically (no answer)
event-withdrawn = withdrew the ticket

queue-title = Ticket queue
filter-text = Search
filter-text-placeholder = Number, title, description, product, customer name or phone
filter-open = Open
filter-all = All
filter-everyone = Everyone
filter-mine = Mine
filter-unassigned = Unassigned
filter-apply = Filter
queue-empty = No tickets match. Try other filters.

staff-title = Staff accounts
staff-new = New staff account
staff-create = Create account

nav-settings = Settings
settings-help-assignment = How new tickets are given to agents: by skill, region, workload, in turn, or by hand.
settings-help-causes = The causes chosen when a ticket is resolved; add your own.
settings-help-products = Product models and their warranty, to tell whether a ticket is in warranty.
settings-help-keywords = Keywords that suggest a type and urgency while a customer files a ticket.
settings-help-ticket-templates = Ready-made ticket contents per type that customers can start from.
settings-help-reply-macros = Agents' frequent replies, with the customer's name, ticket number and product filled in.

# One-time form keys (a form sent twice does its work once).
error-submission-key = This form could not be read. Please reload the page and send it again.
error-submission-pending = This form was already sent and is still being handled. Please check the page before sending it again.
error-submission-reused = This form was already used for something else. Please reload the page and send it again.
