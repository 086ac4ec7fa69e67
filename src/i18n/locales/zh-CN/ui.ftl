# Look and feel (issue 9): empty states that say what comes next, confirmations of irreversible steps.
approvals-empty-next = 当处理人对撤单申请有异议、或未按时答复时，申请会出现在这里；导航中的数字会提醒您。
portal-search-show-all = 显示全部工单
confirm-reject-solution = 驳回后工单将重新打开，由处理人继续处理。确定驳回这个解决方案吗？
confirm-correct-state = 更正会直接改变工单状态，并记录在处理进度中。确定更正吗？
