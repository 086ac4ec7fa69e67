# 通知中心及导航角标。通知正文见 withdrawal.ftl 的 notice-*。

nav-notifications = 通知
badge-unread = { $count } 条未读
notifications-title = 通知
notifications-read-all = 全部标为已读
notifications-empty = 暂无通知。工单有进展时，会在这里告诉您。
notifications-unread = 未读
notifications-note = 备注：
notifications-open = 查看
notifications-mark-read = 标为已读
notifications-reason = 原因：{ $value }
notifications-referral = 转主管原因：{ $value }
notifications-dispute = 处理人的异议：{ $value }
notifications-due = 请在 { $value } 前答复
