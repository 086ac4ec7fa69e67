# Look and feel (issue 9): empty states that say what comes next, confirmations of irreversible steps.
approvals-empty-next = When an assignee disputes a withdrawal request or does not answer in time, the request appears here; the number in the navigation tells you.
portal-search-show-all = Show all my tickets
confirm-reject-solution = Rejecting reopens the ticket for the assignee to carry on. Reject this solution?
confirm-correct-state = A correction changes the ticket's state directly and is recorded in its progress. Correct it?
