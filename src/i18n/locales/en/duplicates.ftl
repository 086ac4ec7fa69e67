# Duplicate tickets: the hint while filing, merging
similar-title = You may already have a ticket for this:
similar-help = If it is the same problem, add information to that ticket instead of filing a new one.

action-merge = Merge into another ticket
merge-help = Merge this ticket, as a duplicate, into another open ticket of the same customer: this ticket closes and links to the one kept; its messages and files stay readable from there.
merge-confirm = Merge? This ticket will be closed and can't be worked on any more; the customer sees the merge in the progress.
field-merge-into = Number of the ticket to keep
field-merge-note = Note (optional)
merge-note-help = The customer sees this note.
merged-banner = This ticket is a duplicate and was merged into
merge-link-into = Merged into
merge-link-from = Merged from
merged-from-title = Tickets merged into this one
merged-via = via

event-merged = merged a duplicate ticket

error-merge-unknown = There is no ticket with this number.
error-merge-self = A ticket can't be merged into itself.
error-merge-other-customer = That ticket belongs to another customer; only tickets of the same customer can be merged.
error-merge-target-closed = That ticket is closed or withdrawn; merge into an open ticket.
error-merge-target-merged = That ticket was itself merged into another one; merge into that one instead.
error-merge-already-merged = This ticket has already been merged.
error-merged-no-survey = This ticket was merged into another one; please rate the service on that ticket once it is done.
