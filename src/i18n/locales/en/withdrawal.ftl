# Withdrawal (撤单): the policy's words, shared by the ticket page, approvals and notifications.

refusal-request-pending = A withdrawal request for this ticket is already waiting for an answer.
refusal-no-pending-request = This withdrawal request was cancelled or already decided meanwhile; nothing was changed.
refusal-supervisor-decides = This withdrawal request is for a supervisor to decide now.
refusal-already-answered = You have answered this already.

withdrawal-reason-solved_myself = Solved it myself
withdrawal-reason-needs_changed = My needs changed
withdrawal-reason-unhappy_with_service = Unhappy with the service
withdrawal-reason-by_mistake = Submitted by mistake
withdrawal-reason-duplicate = Duplicate ticket
withdrawal-reason-agreed_with_merchant = Agreed another solution with the merchant
withdrawal-reason-other_channel = Moved to another channel
withdrawal-reason-other = Other

dispute-reason-work_done = Work already done
dispute-reason-parts_shipped = Parts already shipped
dispute-reason-costs_incurred = Costs already incurred
dispute-reason-other = Other

withdrawal-status-with_assignee = Waiting for the assignee
withdrawal-status-with_supervisors = Waiting for a supervisor
withdrawal-status-immediate = Withdrawn at once
withdrawal-status-accepted = Accepted by the assignee
withdrawal-status-approved = Approved by a supervisor
withdrawal-status-rejected = Rejected by a supervisor
withdrawal-status-cancelled = Cancelled by the customer
withdrawal-status-lapsed = Ended: the ticket was closed

referral-resolved = asked after the ticket was resolved
referral-disputed = disputed by the assignee
referral-escalated = not answered in time

withdrawal-feedback-satisfied = Satisfied
withdrawal-feedback-neutral = Neutral
withdrawal-feedback-unsatisfied = Unsatisfied

compensation-kind-refund = Refund
compensation-kind-replacement = Replacement shipped
compensation-kind-voucher = Voucher
compensation-kind-other = Other

event-withdrawal_requested = asked to withdraw the ticket
event-withdrawal_cancelled = cancelled the withdrawal request
event-withdrawal_accepted = accepted the withdrawal request
event-withdrawal_disputed = disputed the withdrawal request
event-withdrawal_escalated = sent the unanswered withdrawal request to the supervisors
event-withdrawal_referred = sent the withdrawal request to the supervisors (the ticket was resolved)
event-withdrawal_approved = approved the withdrawal
event-withdrawal_rejected = rejected the withdrawal request
event-withdrawal_lapsed = ended the withdrawal request (the ticket was closed)
event-withdrawal_feedback = answered the question about the withdrawal
event-compensation_given = recorded compensation given
event-compensation_returned = recorded compensation as returned
event-follow_up_filed = filed a follow-up ticket (the problem came back)

notice-withdrawn = Ticket { $number } was withdrawn.
notice-withdrawal_requested = The customer asked to withdraw ticket { $number }: please accept or dispute the request.
notice-withdrawal_to_decide = A withdrawal request for ticket { $number } needs a supervisor's decision.
notice-withdrawal_referred = Your withdrawal request for ticket { $number } went to a supervisor, who will decide.
notice-withdrawal_escalated = The withdrawal request for ticket { $number } was not answered in time and went to the supervisors.
notice-withdrawal_rejected = The withdrawal request for ticket { $number } was rejected; the ticket goes on.
notice-withdrawal_cancelled = The customer cancelled the withdrawal request for ticket { $number }.
notice-withdrawal_lapsed = The withdrawal request for ticket { $number } ended because the ticket was closed.
notice-follow_up_filed = A follow-up ticket was filed for ticket { $number }: the problem came back.
