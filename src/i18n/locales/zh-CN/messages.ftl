# 站外消息（邮件、短信）、新增的站内通知，以及“我的设置”页。

notice-received = 已收到您的工单 { $number }，我们会尽快处理。
notice-assigned = 工单 { $number } 已有专人负责处理。
notice-assigned_to_you = 工单 { $number } 已分派给您。
notice-reply = 工单 { $number } 有新的回复。
notice-info_requested = 处理工单 { $number } 需要您补充信息。
notice-resolved = 工单 { $number } 已处理，请确认处理结果。
notice-closed = 工单 { $number } 已完成。
notice-customer_replied = 客户补充了工单 { $number } 的信息。
notice-reopened = 客户驳回了工单 { $number } 的处理结果，工单重新处理。
notifications-promised = 承诺首次答复时间：{ $value }

email-subject = 【售后服务】{ $notice }
email-greeting = { $name }，您好：
email-promised = 我们承诺在 { $due } 前首次答复您。
email-link = 查看工单：{ $link }
email-confirm-link = 请查看处理结果，确认问题已解决或驳回：{ $link }
email-footer = 此邮件由系统自动发送，请勿直接回复。不想再收到邮件？请在 { $account } 关闭邮件通知。
sms-text = 【售后服务】{ $notice } { $link }

nav-account = 我的设置
account-title = 我的设置
account-help = 工单有进展时，站内通知总会告诉您；这里选择是否同时发邮件（没有邮箱时，需要您确认处理结果的消息改发短信），以及消息使用的语言。
account-email = 用邮件通知我
account-email-to = 邮件发送到 { $email }。
account-no-email = 您的账户没有邮箱地址，只在站内通知您。
account-language = 消息语言
account-lang-zh-CN = 中文
account-lang-en = English
account-save = 保存
account-saved = 设置已保存。

# 会话与停用的账号。
account-sessions = 已登录的设备
account-sign-out-everywhere = 在所有设备上退出
account-sign-out-everywhere-help = 结束您账号的所有会话，包括本设备、其他设备以及复制的 Cookie。之后需在此重新登录。
account-sign-out-everywhere-confirm = 确定在所有设备（包括本设备）上退出吗？
account-col-access = 账号
account-disabled = 已停用
account-disable = 停用
account-enable = 启用
account-confirm-disable = 确定停用此账号吗？其会话将立即结束，且无法再登录。
account-customers = 客户账号
account-customer-lookup = 客户邮箱或手机号
account-customer-find = 查找
account-customer-none = 没有使用此邮箱或手机号的客户账号。
account-error-disable-self = 不能停用您自己的账号。
account-error-access = 无法读取此账号变更。
error-account-disabled = 此账号已停用，请联系客服。
