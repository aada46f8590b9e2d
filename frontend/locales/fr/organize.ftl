## Organisation (pages réservées à l’équipe)
organize-heading = Organiser
organize-new-event = Nouvel événement
organize-rooms = Lieux et salles
organize-edit-event = Modifier l’événement
organize-add-session = Ajouter une session
organize-conflicts = Conflits
organize-edit-session = Modifier cette session
invite-heading = Inviter des membres de l’équipe
invite-intro = Invitez un organisateur ou un modérateur. Vous obtiendrez un lien à usage unique à lui transmettre.
invite-button = Créer le lien d’invitation
invite-created = Invitation créée.
invite-link-label = Lien d’invitation à usage unique
invite-no-email = Plenary n’envoie pas d’e-mails : copiez ce lien et envoyez-le vous-même à la personne. Il n’est affiché qu’une seule fois.
field-staff-role = Rôle

## Formulaire d’événement
event-new-heading = Nouvel événement
event-edit-heading = Modifier l’événement
field-event-name = Nom
field-slug = Nom court pour l’adresse
slug-hint = Lettres minuscules, chiffres et traits d’union, par exemple igf-2025.
field-event-kind = Type d’événement
field-time-zone = Fuseau horaire de l’hôte
time-zone-hint = Un fuseau IANA tel que Europe/Oslo ou UTC. Les sessions sont saisies et affichées dans ce fuseau.
field-starts-on = Premier jour
field-ends-on = Dernier jour
field-venue = Lieu
field-description = Description
field-report-due-hours = Rapport attendu (heures après la fin de la session)
report-due-hint = Les rapporteurs voient cette échéance ; les sessions qui la dépassent sans rapport soumis figurent dans la liste des rapports manquants. 336 heures font deux semaines.
save-button = Enregistrer
choice-none = Aucun(e)
choice-pick = Choisir…
choice-nobody = Personne

## Lieux et salles
venues-none = Aucun lieu pour l’instant. Ajoutez-en un ci-dessous.
rooms-none = Aucune salle pour l’instant.
room-add-heading = Ajouter une salle
room-add-button = Ajouter la salle
venue-add-heading = Ajouter un lieu
venue-add-button = Ajouter le lieu
field-room-name = Nom de la salle
field-venue-name = Nom du lieu
field-city = Ville
field-country = Pays
field-capacity = Capacité
field-layout = Disposition

## Formulaire de session
session-new-heading = Nouvelle session
session-edit-heading = Modifier la session
session-what = Contenu
session-where-when = Où et quand
session-online = En ligne
field-session-type = Type de session
durations-allowed = { $list } min
field-number = Numéro
number-hint = Pour les types numérotés, par exemple 403 pour « WS #403 ».
field-title = Titre
field-policy-questions = Questions de politique
policy-questions-hint = Une question par ligne.
field-track = Thème ou sous-thème
field-format = Format
field-status = Statut
field-room = Salle
field-day = Jour
field-start = Heure de début
field-duration = Durée
duration-use-end = Utiliser plutôt l’heure de fin
field-end = Heure de fin
end-hint = Utilisée uniquement si aucune durée n’est choisie.
times-entered-in = Les horaires sont exprimés dans le fuseau horaire de l’hôte ({ $zone }).
roles-hint = Choisissez une personne et son rôle sur chaque ligne ; laissez vides les lignes dont vous n’avez pas besoin.
field-person = Personne
field-role = Rôle
person-n = Personne { $n }
role-n = Rôle de la personne { $n }
field-join-url = Lien de connexion en ligne
join-url-hint = Un lien https:// ; visible par l’équipe seulement.
override-legend = Dérogation
field-override = Enregistrer malgré les conflits bloquants
field-override-reason = Motif de la dérogation
override-hint = Obligatoire en cas de dérogation ; le motif est consigné.
form-errors-heading = Veuillez corriger les points suivants
form-conflicts-heading = Cette modification entre en conflit avec le programme
form-conflicts-override-hint = Rien n’a été enregistré. Modifiez la session, ou cochez « Enregistrer malgré les conflits bloquants » et indiquez un motif.
conflicts-heading = Conflits dans { $event }
conflicts-none = Aucun conflit dans ce programme.
conflicts-count = Conflits détectés : { $n } (les bloquants en premier).
edit-named = Modifier { $name }

## Erreurs de saisie
error-required = Ce champ est obligatoire.
error-number = Saisissez un nombre entier.
error-choice = Choisissez l’une des options.
error-date = Saisissez une date au format AAAA-MM-JJ.
error-time = Saisissez une heure au format HH:MM.
error-duration-or-end = Choisissez une durée ou saisissez une heure de fin.
error-role-missing = Choisissez un rôle pour cette personne.
error-time-nonexistent = Cette heure n’existe pas dans le fuseau { $zone } (les horloges la sautent ce jour-là). Choisissez une autre heure.
error-time-ambiguous = Cette heure survient deux fois dans le fuseau { $zone } (les horloges reculent ce jour-là). Choisissez une autre heure.

## Conflits
conflict-room_double_booked = La salle { $room } est déjà réservée pour { $other } à ce moment-là.
conflict-person_double_booked = { $person } a aussi un rôle dans { $other } au même moment.
conflict-person_unavailable = { $person } a indiqué ne pas être disponible à ce moment-là.
conflict-outside_event_days = La session a lieu en dehors des jours de l’événement.
conflict-crosses_midnight = La session dépasse minuit dans le fuseau horaire de l’hôte ; scindez-la ou déplacez-la.
conflict-duration_not_allowed = Cette durée n’est pas autorisée pour ce type de session.
conflict-track_overlap = { $other }, du même thème, a lieu au même moment.

## Rotation des horaires d’appel
rotation-intro = Indiquez où se trouvent les membres, et Plenary propose plusieurs horaires d’appel à faire tourner, afin que les appels très matinaux ou très tardifs soient répartis entre les régions au lieu de toujours pénaliser les mêmes.
rotation-zones = Fuseaux horaires des membres
rotation-zones-hint = Un fuseau IANA par membre, séparés par des retours à la ligne ou des virgules, par exemple Europe/Zurich, Africa/Nairobi, America/New_York.
rotation-slots = Nombre d’horaires d’appel en rotation
rotation-propose = Proposer des horaires d’appel
rotation-proposal = Horaires d’appel proposés
rotation-slot = { $time } UTC
rotation-local = Heure locale
rotation-inconvenience = Pénibilité (0 = pendant les heures de bureau)
rotation-burden = Pénibilité totale par fuseau sur l’ensemble de la rotation
