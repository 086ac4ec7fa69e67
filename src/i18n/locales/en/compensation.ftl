# Compensation (补偿) on a ticket, and follow-ups (问题复现)
compensation-title = Compensation
compensation-empty = No compensation recorded on this ticket.
compensation-given-by = given by
compensation-returned-by = return recorded by
compensation-return-due = Must be returned
compensation-returned-on = Returned on
action-compensate = Record compensation
field-compensation-kind = Kind
field-compensation-amount = Amount (¥)
compensation-amount-help = In yuan, e.g. 12.50. Required for a refund or a voucher.
field-compensation-description = Description
action-mark-returned = Mark returned
compensation-mark-returned-confirm = Record this compensation as returned? This can't be undone.
compensation-error-amount = Enter an amount in yuan greater than 0 with at most two decimals, e.g. 12.50.
compensation-not-returnable = This compensation isn't waiting to be returned: it was recorded as returned already, or it was never asked back.

follow-up-title-prefix = Problem came back:{" "}
follow-up-of = Follow-up of
follow-up-earlier-history = History of the earlier ticket
follow-up-later = Follow-ups:
follow-up-file = The problem came back — file a follow-up
follow-up-file-help = Has the problem come back? File a follow-up: the form is filled in from this ticket, and both tickets are linked.
follow-up-form-notice = Follow-up of
follow-up-form-help = the problem came back. Describe what happens now; the new ticket is at least as urgent as the earlier one.
follow-up-earlier-open = This ticket is still open: add the new information to it instead of filing a follow-up.
