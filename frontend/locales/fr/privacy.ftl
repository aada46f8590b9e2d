## Avis de confidentialité (pages /privacy et /privacy/young)

footer-privacy = Confidentialité
privacy-link-young = Une version plus courte pour les jeunes
privacy-link-adult = L’avis de confidentialité complet

privacy-adult-title = Avis de confidentialité
privacy-adult-intro = Plenary gère le programme et les séances de questions-réponses en direct de cette coalition. Cette page explique simplement ce qu’il conserve sur vous, pourquoi, combien de temps, et ce que vous pouvez faire.
privacy-adult-who-heading = Qui est responsable
privacy-adult-who-1 = L’organisation qui exploite ce site Plenary décide de l’usage des données et répond à vos questions à leur sujet. Ses coordonnées figurent en fin de page.
privacy-adult-what-heading = Ce que nous conservons quand vous rejoignez une session en direct
privacy-adult-what-1 = Le nom que vous choisissez d’afficher (un pseudonyme de préférence), votre tranche d’âge (pas votre date de naissance), votre participation sur place, en ligne ou depuis un pôle à distance et, seulement si vous le souhaitez, votre groupe de parties prenantes et votre région du monde.
privacy-adult-what-2 = Les questions que vous posez, celles pour lesquelles vous votez, le moment où vous levez la main, et tout signalement que vous faites sur une question.
privacy-adult-what-3 = Une forme abrégée de l’adresse internet depuis laquelle vous vous êtes connecté·e, pour qu’une exclusion décidée par un modérateur contre une personne qui enfreint les règles tienne.
privacy-adult-not-heading = Ce que nous ne demandons ni ne recueillons jamais
privacy-adult-not-1 = Aucun compte, aucune adresse e-mail, aucun numéro de téléphone, aucun vrai nom, aucune photo, aucune localisation, aucun pistage, aucune publicité, et rien provenant d’autres entreprises. Il n’y a ni messages privés entre participants ni liste des participants.
privacy-adult-why-heading = Pourquoi
privacy-adult-why-1 = Pour mener une discussion équitable, sûre et modérée : les modérateurs doivent distinguer les questions, équilibrer les prises de parole et protéger les jeunes participants.
privacy-adult-why-2 = Les questions contenant des coordonnées, comme une adresse e-mail, un numéro de téléphone, un lien ou une adresse postale, sont retenues jusqu’à ce qu’un modérateur les ait lues, pour que personne ne les partage par erreur.
privacy-adult-see-heading = Qui voit quoi
privacy-adult-see-1 = Les autres participants voient votre question une fois approuvée par un modérateur, avec le nom choisi sauf si vous avez posé la question anonymement. Dans les sessions pour les jeunes, les autres participants ne voient jamais les noms.
privacy-adult-see-2 = Les modérateurs voient le nom choisi, votre tranche d’âge et votre mode de participation. Chaque décision de modération est inscrite dans un journal qui indique qui a décidé quoi, sans le texte de votre question.
privacy-adult-keep-heading = Combien de temps nous conservons les données
privacy-adult-keep-1 = Les questions, les votes et votre fiche de participant sont supprimés 90 jours après la fin de l’événement, sauf si les organisateurs fixent une autre durée pour cet événement. Les signalements sont conservés un an, le journal de modération deux ans.
privacy-adult-keep-2 = Vous n’êtes pas obligé·e d’attendre : vous pouvez supprimer ce que vous avez écrit à tout moment (voir ci-dessous).
privacy-adult-rights-heading = Vos droits, sans compte
privacy-adult-rights-1 = En rejoignant une session, vous recevez une clé de données personnelle. Gardez-la. Elle vous permet de télécharger tout ce que nous détenons sur vous dans cette session, et de le supprimer. La suppression efface vos questions, vos votes et votre nom, y compris sur les écrans des personnes connectées à ce moment-là.
privacy-adult-rights-2 = Vous pouvez aussi demander aux organisateurs de rectifier ou de limiter ce que nous détenons, ou vous y opposer, et saisir votre autorité de protection des données.
privacy-adult-safety-heading = Protéger les enfants
privacy-adult-safety-1 = Chaque question a un bouton de signalement. Les signalements parviennent au référent de protection de la session, et vous pouvez suivre la suite donnée au vôtre.
privacy-adult-safety-2 = Si vous voyez des images sexuelles d’enfants, ne les copiez pas et ne les partagez pas : signalez la question avec la catégorie des contenus d’abus sexuels sur enfants et contactez la ligne de signalement de votre pays. Nous ne conservons pas de tels contenus.
privacy-adult-contact-heading = Contact
privacy-adult-contact-1 = Écrivez aux organisateurs de l’événement ou de la session que vous avez rejoint ; leurs coordonnées figurent sur la page du programme de l’événement.

privacy-young-title = Ta vie privée, en bref
privacy-young-intro = Cette page s’adresse aux jeunes qui rejoignent une session sur Plenary. Elle est courte, et elle dit vrai.
privacy-young-what-heading = Ce que nous gardons
privacy-young-what-1 = Le pseudo que tu choisis, ta tranche d’âge, et les questions que tu poses ou pour lesquelles tu votes.
privacy-young-what-2 = Nous ne demandons jamais ton vrai nom, ton e-mail, ton numéro de téléphone, ta photo ni l’endroit où tu habites.
privacy-young-safe-heading = Comment nous te protégeons
privacy-young-safe-1 = Dans les sessions pour les jeunes, un modérateur lit les questions avant que les autres les voient, et personne d’autre ne voit ton pseudo.
privacy-young-safe-2 = Si tu écris une adresse e-mail, un numéro de téléphone, un lien ou une adresse, ta question attend d’abord un modérateur. C’est pour te protéger.
privacy-young-safe-3 = Personne ne peut t’envoyer de message privé ici.
privacy-young-see-heading = Qui voit quoi
privacy-young-see-1 = Les autres voient ta question après l’accord d’un modérateur. Les modérateurs peuvent voir ton pseudo et ta tranche d’âge.
privacy-young-delete-heading = Effacer ce que tu as écrit
privacy-young-delete-1 = En rejoignant, tu reçois une clé de données personnelle. Garde-la bien, comme un mot de passe.
privacy-young-delete-2 = Avec elle, tu peux voir tout ce que nous avons sur toi, le télécharger ou tout effacer, quand tu veux. Nous l’effaçons aussi nous-mêmes après l’événement.
privacy-young-help-heading = Si quelque chose ne va pas
privacy-young-help-1 = Appuie sur le bouton de signalement d’une question. Un adulte de confiance chargé de la sécurité de la session le verra.
privacy-young-help-2 = Tu peux aussi en parler à un parent, à un enseignant ou à une ligne d’écoute de ton pays. Demander de l’aide, ce n’est jamais une faute.

## Tes données, avec la clé de données personnelle (page /my-data)
my-data-title = Vos données
my-data-intro = Collez la clé de données personnelle reçue en rejoignant une session. Vous pouvez télécharger tout ce que nous détenons sur vous dans cette session, ou l’effacer.
my-data-key = Clé de données personnelle
my-data-download = Télécharger mes données (JSON)
my-data-erase-heading = Effacer ce que j’ai écrit
my-data-erase-intro = Vos questions, vos votes, vos mains levées et votre nom sont supprimés, y compris sur les écrans des personnes connectées. C’est définitif.
my-data-confirm = Oui, effacer mes données de cette session
my-data-erase = Effacer mes données
my-data-erased = C’est fait. Vos données ont été effacées, dont { $n } question(s).
my-data-unknown-key = Cette clé nous est inconnue. Vérifiez-la ou demandez aux organisateurs ; une clé cesse de fonctionner une fois ses données effacées.
my-data-confirm-needed = Cochez la case pour confirmer l’effacement.
