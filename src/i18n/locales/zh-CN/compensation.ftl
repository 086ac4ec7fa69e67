# 补偿，以及问题复现
compensation-title = 补偿
compensation-empty = 此工单尚无补偿记录。
compensation-given-by = 登记人
compensation-returned-by = 退回登记人
compensation-return-due = 须退回
compensation-returned-on = 已退回于
action-compensate = 登记补偿
field-compensation-kind = 补偿类型
field-compensation-amount = 金额（元）
compensation-amount-help = 以元为单位，如 12.50。退款和代金券必填。
field-compensation-description = 说明
action-mark-returned = 标记为已退回
compensation-mark-returned-confirm = 确认登记此补偿已退回？此操作无法撤销。
compensation-error-amount = 请输入大于 0 的金额（元），最多两位小数，如 12.50。
compensation-not-returnable = 此补偿无需退回：已登记为退回，或从未要求退回。

follow-up-title-prefix = 问题复现：
follow-up-of = 问题复现，原工单
follow-up-earlier-history = 原工单的处理记录
follow-up-later = 复现工单：
follow-up-file = 问题又出现了？提交复现工单
follow-up-file-help = 问题再次出现时，可提交复现工单：表单按本工单预先填好，两张工单互相关联。
follow-up-form-notice = 问题复现，原工单
follow-up-form-help = 请描述这次出现的情况；新工单的紧急程度不低于原工单。
follow-up-earlier-open = 该工单仍在处理中：请直接在该工单上补充信息，无需提交复现工单。
