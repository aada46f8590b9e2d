## Live pages, added later: moderator assignment, reports, safeguarding and audit pages

mod-moderators = Moderators of this session
mod-moderator-remove = Remove
mod-moderator-who = Staff member
mod-moderator-as = as
mod-moderator-add = Add moderator
moderator-role-onsite_moderator = On-site moderator
moderator-role-online_moderator = Online moderator
live-reports-heading = My reports
report-status-open = Received
report-status-in_review = Being looked at
report-status-referred = Passed on to the authorities
report-status-closed = Closed
sg-title = Safeguarding reports
sg-intro = Reports on questions in the sessions you look after, oldest open first. Suspected child sexual abuse material is never shown here: refer it to your national hotline.
sg-none = No reports.
sg-note = Note from the reporter
sg-status = Status
sg-save = Save
audit-title = Moderation audit log
audit-intro = Every moderation and safeguarding action in this session, newest first: who, what, on which item, and the reason code. It never holds what anyone wrote.
audit-when = When
audit-who = Who
audit-what = Action
audit-target = On
audit-reason = Reason or setting
mod-youth = Youth session (always moderated first, names hidden)
