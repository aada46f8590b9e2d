## Pages en direct, ajouts : modérateurs, signalements, pages de protection et journal

mod-moderators = Modérateurs de cette session
mod-moderator-remove = Retirer
mod-moderator-who = Membre de l’équipe
mod-moderator-as = comme
mod-moderator-add = Ajouter un modérateur
moderator-role-onsite_moderator = Modérateur sur place
moderator-role-online_moderator = Modérateur en ligne
live-reports-heading = Mes signalements
report-status-open = Reçu
report-status-in_review = En cours d’examen
report-status-referred = Transmis aux autorités
report-status-closed = Clos
sg-title = Signalements de protection
sg-intro = Les signalements portant sur les questions des sessions dont vous vous occupez, les plus anciens en premier. Les contenus présumés d’abus sexuels sur enfants ne sont jamais affichés ici : transmettez-les à la ligne de signalement de votre pays.
sg-none = Aucun signalement.
sg-note = Note de la personne qui signale
sg-status = Statut
sg-save = Enregistrer
audit-title = Journal de modération
audit-intro = Chaque action de modération et de protection de cette session, la plus récente en premier : qui, quoi, sur quel élément, et le code du motif. Il ne contient jamais ce que quelqu’un a écrit.
audit-when = Quand
audit-who = Qui
audit-what = Action
audit-target = Sur
audit-reason = Motif ou réglage
mod-youth = Session jeunesse (toujours modérée d’abord, noms masqués)
