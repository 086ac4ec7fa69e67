# The notification centre (通知) and its navigation badge. The messages themselves are notice-* in withdrawal.ftl.

nav-notifications = Notifications
badge-unread = { $count } unread
notifications-title = Notifications
notifications-read-all = Mark all as read
notifications-empty = No notifications yet. When something happens on your tickets, you will find it here.
notifications-unread = New
notifications-note = Note:
notifications-open = Open
notifications-mark-read = Mark as read
notifications-reason = Reason: { $value }
notifications-referral = Why a supervisor decides: { $value }
notifications-dispute = The assignee's dispute: { $value }
notifications-due = Answer by { $value }
