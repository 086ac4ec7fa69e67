# 重复工单：提交时的提示、合并
similar-title = 您可能已经提交过相同的问题：
similar-help = 如果是同一个问题，请在原工单中补充信息，无需重复提交。

action-merge = 合并到其他工单
merge-help = 把本工单作为重复工单合并到同一客户的另一张处理中的工单：本工单将关闭，并链接到保留的工单；本工单的留言和附件可在保留的工单中查看。
merge-confirm = 确定合并吗？本工单将关闭且无法再处理，客户会看到合并记录。
field-merge-into = 保留的工单编号
field-merge-note = 备注（可选）
merge-note-help = 客户可以看到这条备注。
merged-banner = 本工单是重复工单，已合并到
merge-link-into = 已合并到
merge-link-from = 合并自
merged-from-title = 合并进来的工单
merged-via = 经由

event-merged = 合并了重复工单

error-merge-unknown = 没有这个编号的工单。
error-merge-self = 工单不能合并到它自己。
error-merge-other-customer = 这张工单属于另一位客户；只能合并同一客户的工单。
error-merge-target-closed = 这张工单已完成或已撤销；请合并到一张处理中的工单。
error-merge-target-merged = 这张工单本身已被合并到其他工单；请合并到它被合并进的那张工单。
error-merge-already-merged = 本工单已经合并过了。
error-merged-no-survey = 本工单已合并到其他工单，请在那张工单完成后再评价服务。
