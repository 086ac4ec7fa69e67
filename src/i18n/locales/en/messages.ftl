# Messages outside the app (email, SMS), the new in-app notices, and the "My settings" page.

notice-received = We have received your ticket { $number } and will deal with it soon.
notice-assigned = Ticket { $number } now has someone working on it.
notice-assigned_to_you = Ticket { $number } was given to you.
notice-reply = There is a new reply on ticket { $number }.
notice-info_requested = We need more information from you for ticket { $number }.
notice-resolved = Ticket { $number } has been resolved: please confirm the result.
notice-closed = Ticket { $number } is closed.
notice-customer_replied = The customer added information to ticket { $number }.
notice-reopened = The customer rejected the solution of ticket { $number }: it is open again.
notifications-promised = First response promised by { $value }

email-subject = [After-sales] { $notice }
email-greeting = Hello { $name },
email-promised = We promise a first response by { $due }.
email-link = See the ticket: { $link }
email-confirm-link = Please look at the result and confirm it or reject it: { $link }
email-footer = This email was sent automatically; please do not reply to it. No more emails? Switch them off at { $account }.
sms-text = [After-sales] { $notice } { $link }

nav-account = My settings
account-title = My settings
account-help = In-app notifications always tell you when a ticket moves on; here you choose whether you also get emails (without an email address, a text message when a solution waits for your confirmation), and the language of your messages.
account-email = Email me notifications
account-email-to = Emails go to { $email }.
account-no-email = Your account has no email address: you are notified in the app only.
account-language = Language of messages
account-lang-zh-CN = 中文
account-lang-en = English
account-save = Save
account-saved = Settings saved.

# Sessions and disabled accounts.
account-sessions = Signed-in devices
account-sign-out-everywhere = Sign out everywhere
account-sign-out-everywhere-help = Ends every session of your account, on this device and any other, including copies of its cookie. You will sign in again here.
account-sign-out-everywhere-confirm = Sign out on every device, this one too?
account-col-access = Account
account-disabled = Disabled
account-disable = Disable
account-enable = Enable
account-confirm-disable = Disable this account? Its sessions end at once and it can no longer sign in.
account-customers = Customer accounts
account-customer-lookup = Customer email or phone
account-customer-find = Find
account-customer-none = No customer account with this email or phone.
account-error-disable-self = You cannot disable your own account.
account-error-access = The account change could not be read.
error-account-disabled = This account is disabled. Please contact the service desk.
