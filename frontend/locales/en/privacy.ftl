## The privacy notice (pages /privacy and /privacy/young)

footer-privacy = Privacy
privacy-link-young = A shorter version for young people
privacy-link-adult = The full privacy notice

privacy-adult-title = Privacy notice
privacy-adult-intro = Plenary runs the programme and the live question-and-answer sessions of this coalition. This page says, in plain words, what it keeps about you, why, for how long, and what you can do about it.
privacy-adult-who-heading = Who is responsible
privacy-adult-who-1 = The organisation running this Plenary site decides what happens to the data and answers your questions about it. Its contact is at the end of this page.
privacy-adult-what-heading = What we keep when you join a live session
privacy-adult-what-1 = The name you choose to show (a nickname is best), your age group (not your birthday), whether you are in the room, online or at a remote hub, and, only if you choose to say, your stakeholder group and world region.
privacy-adult-what-2 = The questions you ask, the questions you vote for, when you raise your hand, and any report you make about a question.
privacy-adult-what-3 = A short version of the internet address you joined from, so that if a moderator removes and bans someone for breaking the rules, the ban holds.
privacy-adult-not-heading = What we never ask for or collect
privacy-adult-not-1 = No account, no e-mail address, no phone number, no real name, no photo, no location, no tracking, no advertising, and nothing from other companies. There are no private messages between participants and no list of participants.
privacy-adult-why-heading = Why
privacy-adult-why-1 = To run a fair, safe and moderated discussion: moderators need to tell questions apart, balance who gets to speak, and protect young participants.
privacy-adult-why-2 = Questions that contain contact details, such as an e-mail address, a phone number, a link or a street address, are held back until a moderator has looked at them, so nobody can share them by mistake.
privacy-adult-see-heading = Who can see what
privacy-adult-see-1 = Other participants see your question once a moderator has approved it, and your chosen name unless you asked anonymously. In sessions for young people, other participants never see names.
privacy-adult-see-2 = Moderators see your chosen name, your age group and how you attend. Every moderation decision is written in a log that records who decided what, without the words of your question.
privacy-adult-keep-heading = How long we keep it
privacy-adult-keep-1 = Questions, votes and your participant record are deleted 90 days after the event ends, unless the organisers set another period for that event. Reports are kept for a year; the moderation log for two years.
privacy-adult-keep-2 = You do not have to wait: you can delete what you wrote at any time (see below).
privacy-adult-rights-heading = Your rights, without an account
privacy-adult-rights-1 = When you join, you get a personal data key. Keep it. With it you can download everything we hold about you in that session, and delete it. Deleting removes your questions, your votes and your name, also from the screens of people who are connected at that moment.
privacy-adult-rights-2 = You can also ask the organisers to correct or restrict what we hold, or object to it, and complain to your data protection authority.
privacy-adult-safety-heading = Keeping children safe
privacy-adult-safety-1 = Every question has a report button. Reports go to the session's safeguarding contact, and you can see what happened to yours.
privacy-adult-safety-2 = If you see sexual images of children, do not copy or share them: report the question with the category for child sexual abuse material, and contact your national hotline. We do not store such material.
privacy-adult-contact-heading = Contact
privacy-adult-contact-1 = Write to the organisers of the event or session you joined; their contact is on the event's programme page.

privacy-young-title = Your privacy, in short
privacy-young-intro = This is for young people who join a session on Plenary. It is short, and it is true.
privacy-young-what-heading = What we keep
privacy-young-what-1 = The nickname you pick, your age group, and the questions you ask or vote for.
privacy-young-what-2 = We never ask for your real name, e-mail, phone number, photo or where you live.
privacy-young-safe-heading = How we keep you safe
privacy-young-safe-1 = A moderator reads questions before others see them in sessions for young people, and nobody else sees your nickname there.
privacy-young-safe-2 = If you write an e-mail address, a phone number, a link or an address, your question waits for a moderator first. That protects you.
privacy-young-safe-3 = Nobody can send you private messages here.
privacy-young-see-heading = Who sees what
privacy-young-see-1 = Other people see your question after a moderator says yes. Moderators can see your nickname and age group.
privacy-young-delete-heading = Deleting what you wrote
privacy-young-delete-1 = When you join, you get a personal data key. Keep it safe, like a password.
privacy-young-delete-2 = With it you can see everything we have about you, download it, or delete it all, whenever you want. We also delete it ourselves after the event.
privacy-young-help-heading = If something feels wrong
privacy-young-help-1 = Press the report button on a question. A trusted adult who looks after safety in the session will see it.
privacy-young-help-2 = You can also talk to a parent, a teacher or a helpline in your country. You did nothing wrong by asking for help.

## Your data, with the personal data key (page /my-data)
my-data-title = Your data
my-data-intro = Paste the personal data key you were given when you joined a session. You can download everything we hold about you in that session, or erase it.
my-data-key = Personal data key
my-data-download = Download my data (JSON)
my-data-erase-heading = Erase what I wrote
my-data-erase-intro = Your questions, votes, raised hands and name are removed, also from the screens of people connected now. This cannot be undone.
my-data-confirm = Yes, erase my data in this session
my-data-erase = Erase my data
my-data-erased = Done. We erased your data, including { $n } question(s).
my-data-unknown-key = We do not know this key. Check it, or ask the organisers; a key stops working once its data is erased.
my-data-confirm-needed = Please tick the box to confirm the erasure.
