# The supervisors' approvals page (审批) and its navigation badge.

nav-approvals = Approvals
badge-approvals = { $count ->
    [one] { $count } request waits for a decision
   *[other] { $count } requests wait for a decision
}

approvals-title = Withdrawal approvals
approvals-intro = Withdrawal requests that a supervisor decides, longest waiting first. Approving withdraws the ticket; rejecting lets it go on where it is. The customer reads your note.
approvals-empty = No withdrawal requests wait for a decision.
approvals-waiting = Waiting
approvals-waited-minutes = { $minutes } min
approvals-waited-hours = { $hours } h { $minutes } min
approvals-waited-days = { $days ->
    [one] { $days } day
   *[other] { $days } days
} { $hours } h
approvals-referral = Why a supervisor decides
approvals-state-at-request = State when asked
approvals-state-now = State now
approvals-state-changed = The ticket moved from “{ $then }” to “{ $now }” since the customer asked: the rules follow the state now.
approvals-customer-reason = The customer's reason
approvals-dispute = The assignee's dispute
approvals-compensation = Compensation given
approvals-no-compensation = None.
approvals-returned = Returned { $time }
approvals-return-open = Must be returned (not yet back)
approvals-return-if-approved = Must be returned if you approve
approvals-history = The customer's withdrawals
approvals-recent-withdrawals = { $count ->
    [one] { $count } withdrawal in the last 90 days
   *[other] { $count } withdrawals in the last 90 days
}
approvals-frequent = Frequent withdrawals
approvals-log = Latest work log
approvals-whole-log = The whole ticket
approvals-approve = Approve: withdraw the ticket
approvals-reject = Reject: the ticket goes on
approvals-confirm-approve = Approve the withdrawal? The ticket is withdrawn, the claim ends and compensation given must be returned.
approvals-confirm-reject = Reject the withdrawal request? The ticket goes on where it is.
approvals-note-optional = Note to the customer (optional)
approvals-note-required = Why you reject it
approvals-note-help = The customer sees this note.
approvals-done-approve = Approved: ticket { $number } is withdrawn.
approvals-done-reject = Rejected: ticket { $number } goes on where it was.
