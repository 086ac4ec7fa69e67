# Attachments: the ticket page's list and upload form, and refusals.
attachments-title = Attachments
attachments-empty = No attachments yet.
attachment-choose = Choose files
attachment-help = Photos, videos, PDF, text logs or ZIP archives; at most { $max } MB a file and { $files } files a ticket ({ $left } more can be added).
attachment-upload = Upload
attachment-download = Download
attachment-back = Back to the ticket
attachment-too-large = “{ $name }” is too large: each file may be at most { $max } MB. Nothing was saved.
attachment-too-many = Too many attachments: a ticket may have at most { $max } files, and this one has room for { $left } more. Nothing was saved.
attachment-type-refused = “{ $name }” is not a file type we accept. You can upload photos (JPEG, PNG, GIF, WebP, HEIC), videos (MP4, MOV, WebM), PDF, text logs in UTF-8 or ZIP archives. Nothing was saved.
attachment-executable = “{ $name }” is a program or script and cannot be uploaded, for safety. Nothing was saved.
attachment-disguised = The content of “{ $name }” does not match its name (another kind of file renamed, for example), so it cannot be uploaded. Nothing was saved.
attachment-empty = “{ $name }” is empty. Nothing was saved.
attachment-none = Choose a file to upload first.
attachment-bad-form = The upload could not be read; choose the files again and retry.
attachment-store-unavailable = Files cannot be stored right now, so nothing was uploaded. Please try again in a few minutes.
event-attachment_added = added attachments
